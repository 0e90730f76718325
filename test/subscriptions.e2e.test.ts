import type { Client as WsClient } from "graphql-ws";
import WebSocket from "ws";
import type { GraphQLClient } from "graphql-request";
import type { RunningServer } from "../lib/http-server";
import { signUpAdmin, signUpCustomer, type Account } from "./support/accounts";
import { BACKENDS } from "./support/databases";
import { createProduct, moveOrder, placeOrder } from "./support/fixtures";
import { startGatewayBeside } from "./support/platform";
import {
  ORDER_UPDATED,
  ordersIn,
  received,
  subscribeSse,
  subscribeWs,
  untilLive,
  wsClient,
  type SubscribeRequest,
  type Subscriber,
} from "./support/subscribers";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

/**
 * Subscriptions at the gateway (docs/subscriptions.md), AUTH_MODE=enforced,
 * without NATS: events come from the orders service's own feed, so on each
 * backend its outbox. Through the real gateway over the real subgraphs;
 * test/subscriptions-nats.e2e.test.ts covers NATS, replicas and restarts.
 */

/**
 * The gateway pings every KEEPALIVE_MS and drops a socket whose pong has not come by the next ping: at 100 ms, a CI
 * run with both cores busy lost a subscribed socket of the limits test (1006) to one late pong. A second is still
 * short for the keep-alive test's two pings.
 */
const KEEPALIVE_MS = 1000;
/** Short, so that the idle test waits little, yet longer than the keep-alive test's two pings with room to spare. */
const IDLE_TIMEOUT_MS = 4000;

describe.each(BACKENDS)("order subscriptions, AUTH_MODE=enforced (%s)", (backend) => {
  const platform = usePlatform(backend, { authMode: "enforced" });
  let admin: Account;
  let alice: Account;
  let bob: Account;
  let adminGql: GraphQLClient;
  let product: string;
  const clients: WsClient[] = [];
  const subscribers: Subscriber[] = [];
  const ws = (token?: string) => {
    const client = wsClient(platform.gatewayUrl, token);
    clients.push(client);
    return client;
  };
  const track = (subscriber: Subscriber) => (subscribers.push(subscriber), subscriber);
  const orderFor = (account: Account) => () =>
    placeOrder(platform.client(account.token), account.id, [{ productId: product, quantity: 1 }]);
  const username = (account: Account) => account.email.split("@")[0];

  beforeAll(async () => {
    [admin, alice, bob] = await Promise.all([signUpAdmin(platform), signUpCustomer(platform), signUpCustomer(platform)]);
    adminGql = platform.client(admin.token);
    product = await createProduct(adminGql, { name: "Subscribed lamp", price: "12.50", stockQuantity: 10_000 });
  });
  afterEach(async () => {
    subscribers.splice(0).forEach((subscriber) => subscriber.stop());
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  /** The story both transports tell: Alice sees her order move with its nested fields; Bob sees nothing of it. */
  async function watchAnOrderMove(subscribe: (request: SubscribeRequest, account: Account) => Subscriber) {
    const aliceSees = track(subscribe({ query: ORDER_UPDATED }, alice));
    const bobSees = track(subscribe({ query: ORDER_UPDATED }, bob));
    const adminSees = track(subscribe({ query: ORDER_UPDATED }, admin));
    await Promise.all([untilLive(aliceSees, orderFor(alice)), untilLive(bobSees, orderFor(bob))]);
    const order = await orderFor(alice)();
    // Bob asks for Alice's order by its id: the orders subgraph answers him null, so nothing is sent.
    const bobAsksById = track(subscribe({ query: ORDER_UPDATED, variables: { id: order } }, bob));
    const aliceById = track(subscribe({ query: ORDER_UPDATED, variables: { id: order } }, alice));
    await Promise.all([bobAsksById.live, aliceById.live, adminSees.live]);

    await moveOrder(adminGql, order, "PROCESSING");
    await until(async () => received(aliceSees, order, "PROCESSING"), 2000, 20);
    expect(ordersIn(aliceSees).find((event) => event.id === order && event.status === "PROCESSING")).toEqual({
      id: order,
      status: "PROCESSING",
      statusHistory: [
        { status: "PENDING", at: expect.any(String) },
        { status: "PROCESSING", at: expect.any(String) },
      ],
      user: { username: username(alice) },
      items: [{ product: { name: "Subscribed lamp" } }],
    });
    await until(async () => received(aliceById, order, "PROCESSING") && received(adminSees, order, "PROCESSING"), 2000, 20);
    expect(ordersIn(aliceById).map((event) => event.id)).toEqual([order]);

    // Bob's own next order comes after Alice's move in the feed: once he has it, he has had his chance to see hers.
    const bobsOwn = await orderFor(bob)();
    await until(async () => received(bobSees, bobsOwn), 2000, 20);
    expect(ordersIn(bobSees).map((event) => event.id)).not.toContain(order);
    expect(bobAsksById.events).toEqual([]);
    for (const subscriber of [aliceSees, bobSees, adminSees, bobAsksById, aliceById]) expect(subscriber.failure).toBeUndefined();
  }

  test("over graphql-ws, a customer receives their order's move with its user and products, and nobody else's", async () => {
    await watchAnOrderMove((request, account) => subscribeWs(ws(account.token), request));
  });

  test("over SSE, the same", async () => {
    await watchAnOrderMove((request, account) => subscribeSse(platform.gatewayUrl, request, account.token));
  });

  test("a bad token is refused: the WebSocket closes with 4401, the SSE request answers 401", async () => {
    const refused = track(subscribeWs(ws("not-a-token"), { query: ORDER_UPDATED }));
    await until(async () => refused.failure !== undefined);
    expect(refused.failure).toMatchObject({ code: 4401, reason: "Invalid or expired token" });

    const response = await fetch(platform.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer not-a-token" },
      body: JSON.stringify({ query: ORDER_UPDATED }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      errors: [{ message: "Invalid or expired token", extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  test("without a token, subscribing is refused with UNAUTHENTICATED", async () => {
    const anonymous = track(subscribeWs(ws(), { query: ORDER_UPDATED }));
    await until(async () => anonymous.failure !== undefined);
    expect(anonymous.failure).toEqual([expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } })]);
  });

  describe("limits", () => {
    let limited: RunningServer;
    let limitedUrl: string;
    beforeAll(async () => {
      limited = await startGatewayBeside(platform, {
        subgraphTimeoutMs: 10_000,
        subscriptionLimits: { perConnection: 2, perClient: 3, idleTimeoutMs: IDLE_TIMEOUT_MS, keepAliveMs: KEEPALIVE_MS },
        limits: { maxDepth: 4 },
      });
      limitedUrl = `${limited.url}/graphql`;
    });
    afterAll(async () => {
      await limited?.close();
    });
    const limitedWs = (token: string) => {
      const client = wsClient(limitedUrl, token);
      clients.push(client);
      return client;
    };
    const sseStatus = async (token: string) => {
      const abort = new AbortController();
      const response = await fetch(limitedUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ORDER_UPDATED }),
        signal: abort.signal,
      });
      abort.abort();
      return response.status;
    };

    test("too many subscriptions on a connection, or from one client, are refused with TOO_MANY_REQUESTS", async () => {
      const first = limitedWs(alice.token);
      const [a, b, c] = [1, 2, 3].map(() => track(subscribeWs(first, { query: ORDER_UPDATED })));
      await until(async () => c.failure !== undefined);
      expect(c.failure).toEqual([
        expect.objectContaining({
          message: "At most 2 subscriptions per connection; end one first",
          extensions: { code: "TOO_MANY_REQUESTS" },
        }),
      ]);
      // Refused in the order they were sent: the first two are in.
      expect([a.failure, b.failure]).toEqual([undefined, undefined]);

      const second = limitedWs(bob.token);
      const [d, e] = [1, 2].map(() => track(subscribeWs(second, { query: ORDER_UPDATED })));
      await until(async () => e.failure !== undefined);
      expect(d.failure).toBeUndefined();
      expect(e.failure).toEqual([
        expect.objectContaining({
          message: "At most 3 subscriptions per client; end one first",
          extensions: { code: "TOO_MANY_REQUESTS" },
        }),
      ]);
      expect(await sseStatus(alice.token)).toBe(429);
      // Ending one frees its place.
      a.stop();
      await until(async () => (await sseStatus(alice.token)) === 200);
    });

    test("a WebSocket is kept alive: the gateway pings it every SUBSCRIPTION_KEEPALIVE_SECONDS, and a pong keeps it open", async () => {
      const socket = new WebSocket(limitedUrl.replace(/^http/, "ws"), "graphql-transport-ws");
      const pinged = () => new Promise<void>((resolve) => socket.once("ping", () => resolve()));
      const acknowledged = new Promise((resolve) => socket.on("message", resolve));
      socket.on("open", () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${alice.token}` } })),
      );
      expect(JSON.parse(String(await acknowledged))).toEqual({ type: "connection_ack" });
      // The ws client answers each ping with a pong by itself; a second ping means the first pong was taken.
      await pinged();
      await pinged();
      expect(socket.readyState).toBe(WebSocket.OPEN);
      socket.close();
    });

    test("a WebSocket that holds no subscription is closed once idle", async () => {
      const socket = new WebSocket(limitedUrl.replace(/^http/, "ws"), "graphql-transport-ws");
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      const acknowledged = new Promise((resolve) => socket.on("message", resolve));
      socket.on("open", () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${alice.token}` } })),
      );
      expect(JSON.parse(String(await acknowledged))).toEqual({ type: "connection_ack" });
      expect(await closed).toEqual({ code: 1000, reason: "Idle: no subscription" });
    });

    test("the query limits apply to subscription documents", async () => {
      const deep = track(
        subscribeWs(limitedWs(alice.token), {
          query: "subscription { orderUpdated { user { orders { user { orders { id } } } } } }",
        }),
      );
      await until(async () => deep.failure !== undefined);
      expect(deep.failure).toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    });
  });
});
