import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { Agent, fetch as undiciFetch } from "undici";
import { startRestShim, type RestShim } from "../rest-shim/src/shim";
import { signUpCustomer, type Account } from "./support/accounts";
import { BACKENDS } from "./support/databases";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { CREATE_ORDER, ORDERS_BY_USER, PRODUCT } from "./support/operations";
import { usePlatform } from "./support/use-platform";
import { restClient } from "./support/rest-client";
import { quietLogger } from "./support/rest-platform";
import { BALANCED, readLedger } from "./support/stock-ledger";

/**
 * Retrying createOrder safely: the same idempotency key with the same request
 * answers as the first did and takes no more stock, whether the two race, the
 * first timed out, or the first is being retried through REST.
 */
describe.each(BACKENDS)("idempotency keys (%s)", (backend) => {
  let proxy: FaultProxy;
  let shim: RestShim;
  let gql: GraphQLClient;
  const startingStock = new Map<number, number>();

  // The default service-call timeout (3 s): a hung call costs that much.
  const platform = usePlatform(backend, {
    ordersReachProductsAt: async (productsUrl) => {
      proxy = await startFaultProxy(new URL(productsUrl).origin);
      return `${proxy.url}/graphql`;
    },
  });
  beforeAll(async () => {
    shim = await startRestShim({
      gateway: platform.gateway.inProcess,
      host: "127.0.0.1",
      ports: { legacyGateway: 0, users: 0, products: 0, orders: 0 },
      rateLimitPerMinute: 10_000,
      logger: quietLogger(),
    });
    gql = platform.client();
  });
  afterEach(async () => {
    await proxy.heal();
  });
  // Declared after the platform's, so run once it has stopped.
  afterAll(async () => {
    await shim?.close();
    await proxy?.close();
  });

  const product = async (stockQuantity: number) => {
    const id = await createProduct(gql, { name: "Keyed", price: "7.00", stockQuantity });
    startingStock.set(Number(id), stockQuantity);
    return id;
  };
  const stockOf = async (id: string) => (await gql.request(PRODUCT, { id })).product!.stockQuantity;
  const place = (userId: string, productId: string, quantity: number, idempotencyKey?: string) =>
    gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity }], idempotencyKey });
  const ordersOf = async (userId: string) => (await gql.request(ORDERS_BY_USER, { userId })).ordersByUser as any[];

  test("the same key sent five times at once: one order, one decrement, equal answers", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const key = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => place(userId, productId, 2, key)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await stockOf(productId)).toBe(8);
    expect((await ordersOf(userId)).map((order) => order.id)).toEqual([answers[0].createOrder.id]);
  });

  test("the same key again after the first timed out half way: one order, one decrement, equal answers", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const key = crypto.randomUUID();
    proxy.fail("ReserveStock", "hang"); // products hangs: the first request times out
    expect(await graphqlError(place(userId, productId, 3, key))).toMatchObject({ code: "ACCEPTED_PENDING" });
    await proxy.heal(); // its reservation arrives late, and takes the stock
    expect(await stockOf(productId)).toBe(7);

    const retried = await place(userId, productId, 3, key);
    const again = await place(userId, productId, 3, key);
    expect(again).toEqual(retried);
    expect(retried.createOrder).toMatchObject({ status: "PENDING", items: [{ quantity: 3 }] });
    expect(await stockOf(productId)).toBe(7);
    expect(await ordersOf(userId)).toHaveLength(1);
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
  });

  test("the same key for a different order is refused; keys of different signed-in callers never meet", async () => {
    const [alice, bob] = [await signUpCustomer(platform), await signUpCustomer(platform)];
    const productId = await product(10);
    const key = crypto.randomUUID();
    const as = (account: Account) => platform.client(account.token);
    await as(alice).request(CREATE_ORDER, { userId: alice.id, items: [{ productId, quantity: 1 }], idempotencyKey: key });
    expect(
      await graphqlError(
        as(alice).request(CREATE_ORDER, { userId: alice.id, items: [{ productId, quantity: 2 }], idempotencyKey: key }),
      ),
    ).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect(await stockOf(productId)).toBe(9);
    const bobs = await as(bob).request(CREATE_ORDER, {
      userId: bob.id,
      items: [{ productId, quantity: 2 }],
      idempotencyKey: key,
    });
    expect(bobs.createOrder.user.id).toBe(bob.id);
    expect(await stockOf(productId)).toBe(7);
    expect((await graphqlError(place(alice.id, productId, 1, ""))).code).toBe("BAD_USER_INPUT");
  });

  test("open mode: an anonymous caller can neither read back a user's keyed order nor poison the user's key", async () => {
    const alice = await signUpCustomer(platform);
    const productId = await product(10);
    const asAlice = platform.client(alice.token);
    const order = (client: GraphQLClient, idempotencyKey: string) =>
      client.request(CREATE_ORDER, { userId: alice.id, items: [{ productId, quantity: 1 }], idempotencyKey });

    // Replaying alice's key (and her very request) anonymously places a new order; it never answers hers.
    const hers = (await order(asAlice, "alice-basket")).createOrder;
    const replayed = (await order(gql, "alice-basket")).createOrder;
    expect(replayed.id).not.toBe(hers.id);
    // Using a key of hers first does not make her own order fail or answer the anonymous one.
    const first = (await order(gql, "alice-next")).createOrder;
    const own = (await order(asAlice, "alice-next")).createOrder;
    expect(own.id).not.toBe(first.id);
    expect((await order(asAlice, "alice-next")).createOrder.id).toBe(own.id);
    // Another anonymous client (another address) with the same key gets its own order, not the first one's.
    const elsewhere = anonymousFrom("127.0.0.2");
    try {
      const theirs = (await order(elsewhere.client, "alice-next")).createOrder;
      expect([first.id, own.id]).not.toContain(theirs.id);
      expect((await order(gql, "alice-next")).createOrder.id).toBe(first.id); // each anonymous client's retry still works
    } finally {
      await elsewhere.close();
    }
    expect(await stockOf(productId)).toBe(5);
  });

  /** A GraphQL client whose connections come from another loopback address: another anonymous client, to the gateway. */
  const anonymousFrom = (localAddress: string) => {
    const dispatcher = new Agent({ localAddress });
    const client = new GraphQLClient(platform.gatewayUrl, {
      fetch: ((input: string, init: RequestInit) =>
        undiciFetch(input, { ...init, dispatcher } as never)) as unknown as typeof fetch,
    });
    return { client, close: () => dispatcher.close() };
  };

  test("keys are kept for the retention period; older settled ones are cleared by recovery's housekeeping", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const [recent, old] = [crypto.randomUUID(), crypto.randomUUID()];
    await place(userId, productId, 1, recent);
    await place(userId, productId, 1, old);
    const { prisma } = platform.subgraphs.orders.database;
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);
    await prisma.orderPlacement.updateMany({ where: { idempotencyKey: recent }, data: { createdAt: hoursAgo(23) } });
    await prisma.orderPlacement.updateMany({ where: { idempotencyKey: old }, data: { createdAt: hoursAgo(25) } });
    await platform.subgraphs.orders.recover();
    expect(
      (await prisma.orderPlacement.findMany({ where: { idempotencyKey: { in: [recent, old] } } })).map((p) => p.idempotencyKey),
    ).toEqual([recent]);
    expect(await ordersOf(userId)).toHaveLength(2); // the orders themselves stay
  });

  test.each(["orders", "legacyGateway"] as const)("REST on the %s port: Idempotency-Key on POST /api/orders", async (port) => {
    const rest = restClient(shim.urls[port]);
    const userId = Number(await registerUser(gql));
    const productId = await product(10);
    const body = { user_id: userId, items: [{ product_id: Number(productId), quantity: 2 }] };
    const post = (headers: Record<string, string>, payload: unknown = body) =>
      rest.call("POST", "/api/orders", { body: payload, headers });

    // Both ports' stories come from one anonymous client (one address), whose keys share one scope.
    const key = `order-1 on ${port}`;
    const first = await post({ "Idempotency-Key": key });
    expect(first.status).toBe(201);
    expect(await post({ "Idempotency-Key": key })).toMatchObject({ status: 201, body: first.body });
    expect(await stockOf(productId)).toBe(8);
    expect(
      await post({ "Idempotency-Key": key }, { ...body, items: [{ product_id: Number(productId), quantity: 3 }] }),
    ).toMatchObject({ status: 422, body: { error: "This idempotency key was already used for a different order" } });
    expect((await post({ "Idempotency-Key": "x".repeat(256) })).status).toBe(400);
    expect(await stockOf(productId)).toBe(8);
    // Any key the orders subgraph takes, spaces inside included, as long as a header can carry it.
    const spaced = await post({ "Idempotency-Key": `basket 42 / try 1 / ${port}` });
    expect(spaced.status).toBe(201);
    expect(await post({ "Idempotency-Key": `basket 42 / try 1 / ${port}` })).toMatchObject({ status: 201, body: spaced.body });
    expect(await stockOf(productId)).toBe(6);
    expect((await post({})).status).toBe(201); // without a key, every call is a new order
    expect(await stockOf(productId)).toBe(4);
  });

  test("REST: an answer not known yet is 202 with a message; the same key later gets the 201", async () => {
    const rest = restClient(shim.urls.orders);
    const userId = Number(await registerUser(gql));
    const productId = await product(10);
    const body = { user_id: userId, items: [{ product_id: Number(productId), quantity: 1 }] };
    const headers = { "Idempotency-Key": crypto.randomUUID() };
    proxy.fail("ReserveStock", "refuse");
    const pending = await rest.call("POST", "/api/orders", { body, headers });
    expect(pending).toMatchObject({ status: 202, body: { message: expect.stringContaining("same idempotency key") } });
    await proxy.heal();
    const placed = await rest.call("POST", "/api/orders", { body, headers });
    expect(placed.status).toBe(201);

    proxy.fail("ReleaseStock", "refuse");
    const cancel = await rest.patch(`/api/orders/${placed.body.order_id}/status`, { status: "cancelled" });
    expect(cancel).toMatchObject({ status: 202, body: { message: expect.stringContaining("being given back") } });
    await proxy.heal();
    expect((await rest.patch(`/api/orders/${placed.body.order_id}/status`, { status: "cancelled" })).status).toBe(200);
    expect(await stockOf(productId)).toBe(10);
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
  });

  test("REST: a user's whole history comes back, past GraphQL's largest page", async () => {
    const userId = Number(await registerUser(gql));
    const { prisma } = platform.subgraphs.orders.database;
    for (let i = 0; i < 130; i += 1) {
      await prisma.order.create({
        data: {
          userId,
          totalAmount: "1.00",
          stockReservationId: crypto.randomUUID(),
          stockState: "confirmed",
          items: { create: [{ productId: 1, quantity: 1, price: "1.00" }] },
          statusChanges: { create: [{ status: "pending" }] },
        },
      });
    }
    const { status, body } = await restClient(shim.urls.orders).get(`/api/orders/user/${userId}`);
    expect(status).toBe(200);
    expect(body).toHaveLength(130);
    const ids = body.map((order: any) => order.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
  });
});
