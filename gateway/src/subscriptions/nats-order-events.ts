import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { OrderEventsSettings } from "../../../lib/config";
import { orderChangeOf, readUntilStopped, type OrderEventSource } from "./order-events";

/**
 * Order events from the ORDERS stream (docs/events.md). Each gateway process
 * reads it with an ordered consumer of its own (ephemeral, server-side state
 * only while it reads, delivering only events newer than its start), not a
 * shared durable one: every replica must see every event, since each serves
 * its own subscribers. The library's ordered consumer recreates itself after a
 * gap or a reconnection; when the stream is not there yet (no order ever
 * placed) or NATS is away, the read starts again a second later.
 */
export function natsOrderEvents(settings: OrderEventsSettings): OrderEventSource {
  return {
    start(emit, logger) {
      let nc: NatsConnection | undefined;
      const stop = readUntilStopped(
        async (stopping) => {
          nc ??= await connect({ servers: settings.natsUrl, maxReconnectAttempts: -1, name: "gateway-subscriptions" });
          // The stream holds order events only (`<prefix>.>`, docs/events.md): no subject filter, which servers
          // before 2.10 refuse on an ordered consumer.
          const consumer = await jetstream(nc).consumers.get(settings.stream, { deliver_policy: DeliverPolicy.New });
          const messages = await consumer.consume();
          const end = () => void messages.stop();
          stopping.addEventListener("abort", end, { once: true });
          try {
            for await (const message of messages) {
              const change = orderChangeOf(message.string());
              if (change) emit(change);
            }
          } finally {
            stopping.removeEventListener("abort", end);
          }
        },
        (error) => logger.warn({ err: error }, "subscriptions: cannot read the order events stream; trying again"),
      );
      return async () => {
        await stop();
        await nc?.close();
      };
    },
  };
}
