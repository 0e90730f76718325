import crypto from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { GraphQLClient } from "graphql-request";
import { Redis } from "ioredis";
import { startRestShim, type RestShim } from "../rest-shim/src/shim";
import { signUpCustomer } from "./support/accounts";
import { createProduct, registerUser } from "./support/fixtures";
import { postGraphQL } from "./support/gateway-http";
import { metricValue, scrape } from "./support/metrics";
import { CREATE_ORDER, PRODUCT, UPDATE_ORDER_STATUS } from "./support/operations";
import { quietLogger } from "./support/rest-platform";
import { recoverFully } from "./support/recovery";
import { seededRandom } from "./support/seeded-random";
import { BALANCED, readLedger } from "./support/stock-ledger";
import { streamMessages } from "./support/stream-messages";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

/**
 * Two replicas of every service (gateway, users, products, orders) on the same
 * PostgreSQL databases and the same Redis, each subgraph's replicas behind a
 * round-robin that both gateways and both orders replicas use, so every
 * replica serves. What must hold however the work is spread: the stock
 * invariant, each abandoned reservation swept once, rate limits counted once,
 * and product reads (cached in Redis) that show every write at once.
 *
 * `EXTRA_ENV` goes to every service as environment (NATS_URL, for one).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const RUN = crypto.randomBytes(4).toString("hex");
const EXTRA_ENV: Record<string, string> = {
  // Both orders replicas relay order events to this run's own stream (docs/events.md).
  NATS_URL,
  NATS_STREAM: `ORDERS_REPLICAS_${RUN}`,
  NATS_SUBJECT_PREFIX: `replicas_${RUN}.orders`,
  ORDERS_EVENTS_POLL_SECONDS: "1",
};
const USER_LIMIT = 6;
const SEED = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);

describe(`two replicas of every service on PostgreSQL and Redis (seed ${SEED})`, () => {
  const prefix = `test-replicas-${crypto.randomBytes(4).toString("hex")}`;
  const platform = usePlatform("postgres", {
    replicas: 2,
    env: { REDIS_URL, REDIS_KEY_PREFIX: prefix, ...EXTRA_ENV },
    gateway: { rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: USER_LIMIT } },
  });
  let gateways: GraphQLClient[];
  const shims: RestShim[] = [];
  const redisClients: Redis[] = [];

  beforeAll(async () => {
    gateways = platform.replicas.gatewayUrls.map((url) => new GraphQLClient(url));
  });
  afterAll(async () => {
    await Promise.all(shims.map((shim) => shim.close()));
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(EXTRA_ENV.NATS_STREAM).catch(() => undefined);
    await nc.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    for (const client of redisClients) client.disconnect();
  });

  const recoverOnEveryReplica = () => Promise.all(platform.replicas.orders.map((orders) => orders.recover()));

  test("concurrent orders and cancels over both gateways: stock taken = units in live orders, never below zero, and every read shows it", async () => {
    const random = seededRandom(SEED);
    const startingStock = new Map<number, number>();
    const products: string[] = [];
    for (let i = 0; i < 3; i++) {
      const stock = 12 + i * 4;
      const id = await createProduct(gateways[i % 2], { name: `Hot item ${i}`, price: `${i + 1}.50`, stockQuantity: stock });
      products.push(id);
      startingStock.set(Number(id), stock);
    }
    const users: string[] = [];
    for (let i = 0; i < 4; i++) users.push(await registerUser(gateways[i % 2]));
    // Warm the products cache on both replicas before the stock moves.
    await Promise.all(gateways.flatMap((client) => products.map((id) => client.request(PRODUCT, { id }))));

    const placed: string[] = [];
    const refused: unknown[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const items = products
          .filter(() => random() < 0.6)
          .map((productId) => ({ productId, quantity: 1 + Math.floor(random() * 3) }));
        if (items.length === 0) items.push({ productId: products[0], quantity: 1 });
        try {
          const { createOrder } = await gateways[i % 2].request(CREATE_ORDER, { userId: users[i % users.length], items });
          placed.push(createOrder.id);
        } catch (error: any) {
          const code = error?.response?.errors?.[0]?.extensions?.code;
          if (code !== "OUT_OF_STOCK" && code !== "ACCEPTED_PENDING") throw error;
          refused.push(code);
        }
      }),
    );
    expect(placed.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0); // 30 orders of up to 9 units over 48: the stock runs out

    // Cancel half, spread over both gateways, while more orders come in.
    await Promise.all([
      ...placed
        .filter((_, i) => i % 2 === 0)
        .map((id, i) =>
          gateways[(i + 1) % 2].request(UPDATE_ORDER_STATUS, { id, status: "CANCELLED" }).catch((error: any) => {
            if (error?.response?.errors?.[0]?.extensions?.code !== "ACCEPTED_PENDING") throw error;
          }),
        ),
      ...Array.from({ length: 6 }, (_, i) =>
        gateways[i % 2]
          .request(CREATE_ORDER, { userId: users[i % users.length], items: [{ productId: products[2], quantity: 1 }] })
          .catch((error: any) => {
            const code = error?.response?.errors?.[0]?.extensions?.code;
            if (code !== "OUT_OF_STOCK" && code !== "ACCEPTED_PENDING") throw error;
          }),
      ),
    ]);

    // A step that timed out under load is recovery's to finish; both replicas run it at once.
    await recoverFully(recoverOnEveryReplica);
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);

    // Every replica served, and every read (whichever products replica, cached or not) shows the database's stock.
    const { balancers } = platform.replicas;
    for (const name of ["users", "products", "orders"] as const) {
      expect(balancers![name].forwarded).toHaveLength(2);
      expect(balancers![name].forwarded.every((count) => count > 0)).toBe(true);
    }
    const rows = await platform.subgraphs.products.database.prisma.product.findMany({
      where: { id: { in: products.map(Number) } },
      select: { id: true, stockQuantity: true },
    });
    for (const row of rows) {
      expect(row.stockQuantity).toBeGreaterThanOrEqual(0);
      for (const client of [...gateways, ...gateways]) {
        const { product } = await client.request(PRODUCT, { id: String(row.id) });
        expect(product!.stockQuantity).toBe(row.stockQuantity);
      }
    }
  });

  test("each order event is published exactly once, though both orders replicas relay at the same time", async () => {
    const userId = await registerUser(gateways[0]);
    const productId = await createProduct(gateways[1], { name: "Announced", price: "3.00", stockQuantity: 100 });
    const placed = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { createOrder } = await gateways[i % 2].request(CREATE_ORDER, { userId, items: [{ productId, quantity: 1 }] });
        return createOrder.id as string;
      }),
    );
    await Promise.all(
      placed
        .filter((_, i) => i % 3 === 0)
        .map((id, i) => gateways[i % 2].request(UPDATE_ORDER_STATUS, { id, status: "CANCELLED" })),
    );
    await recoverOnEveryReplica();

    // The outbox drains (a row is deleted only once JetStream acknowledged it); then read the whole stream.
    const outbox = platform.subgraphs.orders.database.prisma.orderEventOutbox;
    await until(async () => (await outbox.count()) === 0, 60_000);
    const nc = await connect({ servers: NATS_URL });
    try {
      const events = (await streamMessages(await jetstreamManager(nc), EXTRA_ENV.NATS_STREAM)).map((message) => message.event);
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
      // Every order of the whole file (this test's and the others') has its events once each.
      const orders = await platform.subgraphs.orders.database.prisma.order.findMany({ select: { id: true, status: true } });
      expect(orders.length).toBeGreaterThanOrEqual(placed.length);
      for (const order of orders) {
        const types = events.filter((event) => event.orderId === String(order.id)).map((event) => event.type);
        const expected = order.status === "cancelled" ? ["placed", "cancelled"] : ["placed"];
        expect({ order: order.id, types }).toEqual({ order: order.id, types: expected });
      }
    } finally {
      await nc.close();
    }
  });

  test("abandoned reservations are swept exactly once when both orders replicas run recovery at the same time", async () => {
    const stock = 50;
    const productId = await createProduct(gateways[0], { name: "Abandoned", price: "1.00", stockQuantity: stock });
    const products = platform.replicas.products.map(
      (replica) =>
        new GraphQLClient(`${replica.url}/graphql`, {
          headers: { "x-service-token": platform.secrets.serviceToken, "x-principal": "service" },
        }),
    );
    // Reserved as orders would, but with no order ever recorded: what a crash between the two leaves.
    const abandoned = Array.from({ length: 8 }, () => crypto.randomUUID());
    await Promise.all(
      abandoned.map((reservationId, i) =>
        products[i % 2].request(
          `mutation($id: ID!, $items: [StockLineInput!]!) { reserveStock(reservationId: $id, items: $items) { id } }`,
          { id: reservationId, items: [{ productId, quantity: 2 }] },
        ),
      ),
    );
    expect((await gateways[1].request(PRODUCT, { id: productId })).product!.stockQuantity).toBe(stock - 16);
    const releasedByRecovery = async () => {
      const counts = await Promise.all(
        platform.replicas.orders.map(async (orders) =>
          metricValue(await scrape(orders.url), "shop_stock_reservations_released_total", { by: "recovery" }),
        ),
      );
      return counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
    };
    const before = await releasedByRecovery();

    // Two runs on each replica, all at once (then again, should a loaded machine have timed one of their calls out).
    const { releasedOrphans } = await recoverFully(async () =>
      (await Promise.all([recoverOnEveryReplica(), recoverOnEveryReplica()])).flat(),
    );
    expect(releasedOrphans).toBe(abandoned.length);
    expect((await releasedByRecovery()) - before).toBe(abandoned.length);

    const held = await platform.subgraphs.products.database.prisma.stockReservation.count({
      where: { id: { in: abandoned }, state: "held" },
    });
    expect(held).toBe(0);
    for (const client of gateways) {
      expect((await client.request(PRODUCT, { id: productId })).product!.stockQuantity).toBe(stock);
    }
    // Nothing left: another round on both sweeps nothing.
    const again = await recoverOnEveryReplica();
    expect(again.reduce((sum, report) => sum + report.releasedOrphans, 0)).toBe(0);
  });

  test(`a signed-in user's limit of ${USER_LIMIT} a minute is counted across both gateways`, async () => {
    const { token } = await signUpCustomer(platform);
    const answers = await Promise.all(
      Array.from({ length: USER_LIMIT + 4 }, (_, i) =>
        postGraphQL(
          platform.replicas.gatewayUrls[i % 2],
          { query: "{ __typename }" },
          { headers: { authorization: `Bearer ${token}` } },
        ),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(USER_LIMIT);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(4);
  });

  test("the REST shim's per-client limit is counted across two gateway processes sharing Redis", async () => {
    const limit = 5;
    for (const gateway of platform.replicas.gateways) {
      const redis = new Redis(REDIS_URL);
      redisClients.push(redis);
      // Until it is ready the limiter counts in memory (lib/rate-limit.ts): wait, so that the count is the shared one.
      await new Promise((resolve) => redis.once("ready", resolve));
      shims.push(
        await startRestShim({
          gateway: gateway.inProcess,
          host: "127.0.0.1",
          ports: { legacyGateway: 0, users: 0, products: 0, orders: 0 },
          rateLimitPerMinute: limit,
          sharedRateLimit: { redis, keyPrefix: prefix },
          logger: quietLogger(),
        }),
      );
    }
    const statuses: number[] = [];
    for (let i = 0; i < limit + 3; i++) statuses.push((await fetch(`${shims[i % 2].urls.legacyGateway}/openapi.json`)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.slice(limit)).toEqual([429, 429, 429]);
  });
});
