import { SERVICE_TOKEN_HEADER } from "../../../lib/request-identity";
import { orderChangeOf, readUntilStopped, type OrderEventSource } from "./order-events";

/**
 * Order events from the orders service itself, for a platform without NATS
 * (the embedded default): its `GET /internal/order-events` stream
 * (subgraphs/orders/src/events/order-feed.ts), read with the service credential. A
 * broken stream is opened again a second later; events made meanwhile are
 * not replayed (a live feed, as a subscription is).
 */
export function ordersFeedEvents(ordersGraphqlUrl: string, serviceToken: string): OrderEventSource {
  const feedUrl = new URL("/internal/order-events", ordersGraphqlUrl);
  return {
    start(emit, logger) {
      return readUntilStopped(
        async (stopping) => {
          const response = await fetch(feedUrl, {
            headers: { [SERVICE_TOKEN_HEADER]: serviceToken, accept: "text/event-stream" },
            signal: stopping,
          });
          if (!response.ok || !response.body) throw new Error(`the orders feed answered ${response.status}`);
          // Server-sent events: blank-line separated blocks; only `data:` lines carry an event (`:` lines keep alive).
          let pending = "";
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            pending += read.value;
            let end: number;
            while ((end = pending.indexOf("\n\n")) >= 0) {
              const block = pending.slice(0, end);
              pending = pending.slice(end + 2);
              const data = block
                .split("\n")
                .filter((line) => line.startsWith("data:"))
                .map((line) => line.slice(5).trimStart())
                .join("\n");
              const change = data ? orderChangeOf(data) : null;
              if (change) emit(change);
            }
          }
        },
        (error) => logger.warn({ err: error }, "subscriptions: the orders service's event feed broke; opening it again"),
      );
    },
  };
}
