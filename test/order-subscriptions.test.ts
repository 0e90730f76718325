import type { ApolloServer } from "@apollo/server";
import { buildSchema, parse, print } from "graphql";
import { printSupergraphApiSchema } from "../gateway/src/api-schema";
import type { GatewayContext } from "../gateway/src/context";
import { readSupergraph } from "../gateway/src/supergraph";
import { OrderEventHub, type OrderChange } from "../gateway/src/subscriptions/order-events";
import { OrderSubscriptions, type PreparedSubscription } from "../gateway/src/subscriptions/order-subscriptions";
import { createLogger } from "../lib/logger";

/**
 * The subscription layer on its own (gateway/src/subscriptions/order-subscriptions.ts): the query each event runs,
 * and the bound on a slow subscriber's queue. The gateway's Apollo server is the edge replaced here: it answers
 * every query with the order asked for; test/subscriptions*.e2e.test.ts run the real one.
 */
const schema = buildSchema(printSupergraphApiSchema(readSupergraph()));
const OPEN: GatewayContext = { principal: { kind: "anonymous" } } as GatewayContext;

function layerWith(maxPendingEvents: number) {
  let emit: (change: OrderChange) => void = () => undefined;
  const source = { started: 0, stopped: 0 };
  const hub = new OrderEventHub(
    {
      start(deliver) {
        source.started++;
        emit = deliver;
        return async () => void source.stopped++;
      },
    },
    createLogger("test", "silent"),
  );
  const asked: { query: string; variables: Record<string, unknown> }[] = [];
  const apollo = {
    executeOperation: async (request: { query: string; variables: Record<string, unknown> }) => {
      asked.push(request);
      return { body: { kind: "single", singleResult: { data: { orderUpdated: { id: request.variables.orderUpdatedId } } } } };
    },
  } as unknown as ApolloServer<GatewayContext>;
  const layer = new OrderSubscriptions({
    apollo,
    hub,
    authMode: "open",
    schema: () => schema,
    limits: { validationRules: [], parseOptions: { maxTokens: 2000 }, checkCost: () => undefined },
    maxPendingEvents,
  });
  return { layer, source, asked, emit: (change: OrderChange) => emit(change) };
}

test("each event runs the subscription's own selection as order(id:), with its alias, fragments and variables", () => {
  const { layer } = layerWith(10);
  const prepared = layer.prepare({
    query: `subscription Watch($id: ID, $first: Int) {
      mine: orderUpdated(id: $id) { ...Lines user { orders(first: $first) { id } } }
    }
    fragment Lines on Order { items { quantity } }
    query Unrelated { __typename }`,
    operationName: "Watch",
    variables: { id: "7", first: 3 },
  }) as PreparedSubscription;
  expect(prepared).toMatchObject({ kind: "subscription", orderId: "7", responseKey: "mine", variables: { first: 3 } });
  expect(prepared.query).toBe(
    print(
      parse(`query Watch($orderUpdatedId: ID!, $first: Int) {
        mine: order(id: $orderUpdatedId) { ...Lines user { orders(first: $first) { id } } }
      }
      fragment Lines on Order { items { quantity } }`),
    ),
  );
});

test("a subscription whose client reads too slowly ends with SLOW_CONSUMER instead of buffering more", async () => {
  const { layer, emit, source } = layerWith(2);
  const prepared = layer.prepare({ query: "subscription { orderUpdated { id } }" }) as PreparedSubscription;
  const events = layer.follow(prepared, OPEN, async () => OPEN);
  for (const orderId of ["1", "2", "3"]) emit({ orderId, userId: "1" });
  const ended = await events.next();
  expect(ended.value.errors.map((error: { extensions: unknown }) => error.extensions)).toEqual([{ code: "SLOW_CONSUMER" }]);
  expect((await events.next()).done).toBe(true);
  expect(source).toEqual({ started: 1, stopped: 1 });
});

test("events come in order; ending a subscription that waits for its next event ends it at once", async () => {
  const { layer, emit, source, asked } = layerWith(10);
  const prepared = layer.prepare({ query: 'subscription { orderUpdated(id: "2") { id } }' }) as PreparedSubscription;
  const events = layer.follow(prepared, OPEN, async () => OPEN);
  for (const orderId of ["1", "2", "3", "2"]) emit({ orderId, userId: "1" });
  expect((await events.next()).value).toEqual({ data: { orderUpdated: { id: "2" } } });
  expect((await events.next()).value).toEqual({ data: { orderUpdated: { id: "2" } } });
  expect(asked).toHaveLength(2); // order 1 and 3 were never asked about
  const waiting = events.next();
  await events.return!();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(source.stopped).toBe(1);
});

test("closing the hub waits for the source's stop that the last listener's leaving began", async () => {
  let release: () => void = () => undefined;
  const stopped: string[] = [];
  const hub = new OrderEventHub(
    {
      start: () => () => new Promise<void>((resolve) => (release = () => (stopped.push("source"), resolve()))),
    },
    createLogger("test", "silent"),
  );
  const unlisten = hub.listen(() => undefined);
  unlisten(); // the last listener leaves: the source's stop begins, and takes a while (a NATS connection closing)
  const closed = hub.close().then(() => stopped.push("hub"));
  await new Promise((resolve) => setImmediate(resolve));
  expect(stopped).toEqual([]);
  release();
  await closed;
  expect(stopped).toEqual(["source", "hub"]);
});

test("a source whose stop fails leaves the hub closable: the failure is logged, not thrown at every later close", async () => {
  const warnings: string[] = [];
  const logger = createLogger("test", "warn", false, { write: (line: string) => void warnings.push(line) });
  const hub = new OrderEventHub({ start: () => () => Promise.reject(new Error("connection closed badly")) }, logger);
  hub.listen(() => undefined)(); // the last listener leaves: the stop begins, and fails
  await expect(hub.close()).resolves.toBeUndefined();
  hub.listen(() => undefined);
  await expect(hub.close()).resolves.toBeUndefined();
  expect(warnings.join("")).toMatch(/did not stop cleanly.*connection closed badly/s);
});
