import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { OrderEventsSettings } from "../../../lib/config";
import { orderChangeOf, pause, type OrderEventSource } from "./order-events";

const RETRY_MS = 1000;

/**
 * Order events from the ORDERS stream (docs/events.md). Each gateway process
 * reads it with an ordered consumer of its own (ephemeral, server-side state
 * only while it reads, delivering only events newer than its start), not a
 * shared durable one: every replica must see every event, since each serves
 * its own subscribers. The library's ordered consumer recreates itself after a
 * gap or a reconnection; when the stream is not there yet (no order ever
 * placed) or NATS is away, this loop tries again every second.
 */
export function natsOrderEvents(settings: OrderEventsSettings): OrderEventSource {
  return {
    start(emit, logger) {
      const stopping = new AbortController();
      const run = (async () => {
        const nc = await connect({ servers: settings.natsUrl, maxReconnectAttempts: -1, name: "gateway-subscriptions" }).catch(
          (error: unknown) => (logger.warn({ err: error }, "subscriptions: NATS is not reachable"), null),
        );
        if (!nc) return;
        stopping.signal.addEventListener("abort", () => void nc.close(), { once: true });
        while (!stopping.signal.aborted) {
          try {
            // The stream holds order events only (`<prefix>.>`, docs/events.md): no subject filter, which servers
            // before 2.10 refuse on an ordered consumer.
            const consumer = await jetstream(nc).consumers.get(settings.stream, { deliver_policy: DeliverPolicy.New });
            const messages = await consumer.consume();
            const stop = () => void messages.stop();
            stopping.signal.addEventListener("abort", stop, { once: true });
            try {
              for await (const message of messages) {
                const change = orderChangeOf(message.string());
                if (change) emit(change);
              }
            } finally {
              stopping.signal.removeEventListener("abort", stop);
            }
          } catch (error) {
            if (stopping.signal.aborted) break;
            logger.warn({ err: error }, "subscriptions: cannot read the order events stream; trying again");
          }
          await pause(RETRY_MS, stopping.signal);
        }
      })();
      return async () => {
        stopping.abort();
        await run;
      };
    },
  };
}
