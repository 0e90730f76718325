import type { ExecutionResult } from "graphql";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import { until } from "./until";

/** What one subscription received, as a client would see it (test/subscriptions*.e2e.test.ts). */
export interface Subscriber {
  events: ExecutionResult[];
  /** The error that ended it (GraphQL errors, a close event, a network error), if one did. */
  failure?: unknown;
  completed: boolean;
  /**
   * Settles once the gateway holds the subscription: for SSE when the stream's answer has begun, for graphql-ws when a
   * query sent after the subscribe on the same connection has been answered (the server takes a connection's messages
   * in order, and holds a subscription before it runs anything else).
   */
  live: Promise<void>;
  stop(): void;
}

export interface SubscribeRequest {
  query: string;
  variables?: Record<string, unknown>;
}

function collect(
  start: (sink: { next(value: ExecutionResult): void; error(error: unknown): void; complete(): void }) => () => void,
) {
  const subscriber: Subscriber = { events: [], completed: false, live: Promise.resolve(), stop: () => undefined };
  subscriber.stop = start({
    next: (value) => subscriber.events.push(value),
    error: (error) => (subscriber.failure = error),
    complete: () => (subscriber.completed = true),
  });
  return subscriber;
}

/** A graphql-ws client on the gateway's /graphql, with the token in connection_init as browsers send it. */
export function wsClient(
  gatewayGraphqlUrl: string,
  token?: string,
  options: { retryAttempts?: number; onClosed?: (event: unknown) => void } = {},
): WsClient {
  return createWsClient({
    url: gatewayGraphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: options.retryAttempts ?? 0,
    // A restarted gateway is back within a second or two; the default waits grow to half a minute.
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
    shouldRetry: () => true,
    on: options.onClosed ? { closed: options.onClosed } : undefined,
  });
}

export function subscribeWs(client: WsClient, request: SubscribeRequest): Subscriber {
  const subscriber = collect((sink) => client.subscribe(request, sink));
  subscriber.live = new Promise((resolve) =>
    // Answered at all (even refused) is enough: the server has taken the subscribe before it.
    client.subscribe({ query: "{ __typename }" }, { next: () => undefined, error: () => resolve(), complete: resolve }),
  );
  return subscriber;
}

/** A graphql-sse client (distinct connections: one streamed POST per subscription), the token as a header. */
export function subscribeSse(gatewayGraphqlUrl: string, request: SubscribeRequest, token?: string): Subscriber {
  let connected = () => undefined as void;
  const client = createSseClient({
    url: gatewayGraphqlUrl,
    on: { connected: () => connected() },
    headers: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const live = new Promise<void>((resolve) => (connected = resolve));
  const subscriber = collect((sink) => client.subscribe(request, sink));
  subscriber.live = live;
  const stop = subscriber.stop;
  subscriber.stop = () => {
    stop();
    client.dispose();
  };
  return subscriber;
}

/** The README's example subscription: an order's moves with fields of all three subgraphs. */
export const ORDER_UPDATED = `
  subscription OrderUpdated($id: ID) {
    orderUpdated(id: $id) { id status statusHistory { status at } user { username } items { product { name } } }
  }
`;

export interface OrderEvent {
  id: string;
  status: string;
  statusHistory: { status: string; at: string }[];
  user: { username: string };
  items: { product: { name: string } }[];
}

export const ordersIn = (subscriber: Subscriber): OrderEvent[] =>
  subscriber.events.flatMap((event) => (event.data?.orderUpdated ? [event.data.orderUpdated as OrderEvent] : []));
export const received = (subscriber: Subscriber, orderId: string, status = "PENDING") =>
  ordersIn(subscriber).some((order) => order.id === orderId && order.status === status);

/**
 * A subscription is live once the gateway follows the event source, which it starts on the first subscriber: until
 * then, changes are not seen. Places the subscriber's own orders until one of them arrives.
 */
export async function untilLive(subscriber: Subscriber, placeOne: () => Promise<string>): Promise<void> {
  const placed: string[] = [];
  await until(
    async () => {
      if (placed.some((id) => received(subscriber, id))) return true;
      if (subscriber.failure) throw new Error(`the subscription failed: ${JSON.stringify(subscriber.failure)}`);
      placed.push(await placeOne());
      return false;
    },
    20_000,
    300,
  );
}
