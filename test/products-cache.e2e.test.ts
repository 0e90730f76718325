import crypto from "node:crypto";
import { gql, type GraphQLClient } from "graphql-request";
import { Redis } from "ioredis";
import { useMovableClock } from "./support/clock";
import { createProduct, registerUser } from "./support/fixtures";
import { metricValue, scrape, statementCount } from "./support/metrics";
import {
  ADJUST_STOCK,
  ARCHIVE_PRODUCT,
  CREATE_ORDER,
  PRODUCT,
  PRODUCTS,
  UPDATE_ORDER_STATUS,
  UPDATE_PRODUCT,
} from "./support/operations";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";
import { createLogger } from "../lib/logger";
import { ServiceMetrics } from "../lib/observability/metrics";
import { Prisma, type Product } from "../prisma/products/generated/client/client";
import { ProductCache } from "../subgraphs/products/src/product-cache";

/**
 * The products read cache (REDIS_URL): what a client reads right after any
 * write is the write's result, through every way a product is read (by id,
 * a catalogue page, an order's items); repeated reads are answered without
 * the database; and without Redis everything still works.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const ORDER_PRODUCTS = gql`
  query OrderProducts($id: ID!) {
    order(id: $id) {
      items {
        product {
          id
          price
          stockQuantity
        }
      }
    }
  }
`;

const PRODUCT_TWICE = gql`
  query ProductTwice($id: ID!) {
    product(id: $id) {
      id
      price
      stockQuantity
      archivedAt
    }
  }
`;

/** A TCP hop to the test Redis that a test can slow down or cut. */
function startRedisProxy(): Promise<TcpProxy> {
  const target = new URL(REDIS_URL);
  return startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
}

async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

describe("products read cache on Redis (postgres)", () => {
  const prefix = `test-cache-${crypto.randomBytes(4).toString("hex")}`;
  const platform = usePlatform("postgres", { env: { REDIS_URL, REDIS_KEY_PREFIX: prefix } });
  let client: GraphQLClient;
  beforeAll(() => {
    client = platform.client();
  });
  afterAll(() => dropKeys(prefix));

  const productsStatements = () => statementCount(platform.subgraphs.products.url);
  const read = async (id: string, orderId: string) => {
    const [{ product }, { products }, { order }] = await Promise.all([
      client.request(PRODUCT_TWICE, { id }),
      client.request(PRODUCTS, { filter: { category: "Cached" }, first: 10 }),
      client.request(ORDER_PRODUCTS, { id: orderId }),
    ]);
    return { product, page: products.nodes, inOrder: order.items[0].product };
  };

  test("every write is visible on the very next read, by id, in the catalogue and through an order's items", async () => {
    const userId = await registerUser(client);
    const id = await createProduct(client, { name: "Cached lamp", price: "10.00", stockQuantity: 20 });
    await client.request(UPDATE_PRODUCT, { id, input: { category: "Cached" } });
    const { createOrder } = await client.request(CREATE_ORDER, { userId, items: [{ productId: id, quantity: 2 }] });

    // Warm every way in, twice over.
    for (let i = 0; i < 2; i++) {
      const seen = await read(id, createOrder.id);
      expect(seen.product).toMatchObject({ price: "10.00", stockQuantity: 18, archivedAt: null });
      expect(seen.page).toEqual([expect.objectContaining({ id, price: "10.00" })]);
      expect(seen.inOrder).toEqual({ id, price: "10.00", stockQuantity: 18 });
    }

    await client.request(UPDATE_PRODUCT, { id, input: { price: "12.50" } });
    let seen = await read(id, createOrder.id);
    expect(seen.product).toMatchObject({ price: "12.50", stockQuantity: 18 });
    expect(seen.page).toEqual([expect.objectContaining({ id, price: "12.50" })]);
    expect(seen.inOrder).toEqual({ id, price: "12.50", stockQuantity: 18 });

    await client.request(ADJUST_STOCK, { id, delta: 5 });
    seen = await read(id, createOrder.id);
    expect(seen.product.stockQuantity).toBe(23);
    expect(seen.inOrder.stockQuantity).toBe(23);

    // Stock taken by an order (reserveStock) and given back by a cancel (releaseStock).
    const { createOrder: second } = await client.request(CREATE_ORDER, { userId, items: [{ productId: id, quantity: 3 }] });
    expect((await read(id, second.id)).inOrder.stockQuantity).toBe(20);
    await client.request(UPDATE_ORDER_STATUS, { id: second.id, status: "CANCELLED" });
    seen = await read(id, createOrder.id);
    expect(seen.product.stockQuantity).toBe(23);
    expect(seen.inOrder.stockQuantity).toBe(23);

    await client.request(ARCHIVE_PRODUCT, { id });
    seen = await read(id, createOrder.id);
    expect(seen.product.archivedAt).not.toBeNull();
    expect(seen.page).toEqual([]);
    expect(seen.inOrder.price).toBe("12.50");
  });

  test("repeated reads are answered from the cache, without a statement at products", async () => {
    const userId = await registerUser(client);
    const id = await createProduct(client, { name: "Cached chair", price: "3.00", stockQuantity: 9 });
    const others = [
      await createProduct(client, { name: "Cached stool", price: "2.00", stockQuantity: 9 }),
      await createProduct(client, { name: "Cached bench", price: "4.00", stockQuantity: 9 }),
    ];
    const { createOrder } = await client.request(CREATE_ORDER, {
      userId,
      items: [id, ...others].map((productId) => ({ productId, quantity: 1 })),
    });
    // Cold: the order's three products are still one statement (the DataLoader batches the cache's misses).
    const cold = await productsStatements();
    const { order } = await client.request(ORDER_PRODUCTS, { id: createOrder.id });
    expect(order.items).toHaveLength(3);
    expect((await productsStatements()) - cold).toBe(1);
    await read(id, createOrder.id);

    const before = await productsStatements();
    const seen = await read(id, createOrder.id);
    expect((await productsStatements()) - before).toBe(0);
    expect(seen.product).toMatchObject({ id, price: "3.00", stockQuantity: 8 });
    expect(seen.inOrder).toEqual({ id, price: "3.00", stockQuantity: 8 });
    const { product } = await client.request(PRODUCT, { id });
    expect(product).toMatchObject({ name: "Cached chair", tags: [], description: "" });
    expect(new Date(product!.createdAt).getTime()).not.toBeNaN();
    expect((await productsStatements()) - before).toBe(0);

    const metrics = await scrape(platform.subgraphs.products.url);
    expect(metricValue(metrics, "shop_products_cache_lookups_total", { result: "hit" })).toBeGreaterThanOrEqual(4);
  });
});

describe("products read cache when Redis goes away (postgres)", () => {
  let redisProxy: TcpProxy;
  const prefix = `test-cache-${crypto.randomBytes(4).toString("hex")}`;

  // A TCP hop to Redis that the test can cut, as a network or a Redis failure would.
  beforeAll(async () => {
    redisProxy = await startRedisProxy();
  });
  const platform = usePlatform("postgres", () => ({
    env: { REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, REDIS_KEY_PREFIX: prefix },
  }));
  afterAll(async () => {
    await redisProxy?.stop();
    await dropKeys(prefix);
  });

  test("reads and writes keep working, and correct, from the database", async () => {
    const client = platform.client();
    const id = await createProduct(client, { name: "Sturdy desk", price: "100.00", stockQuantity: 4 });
    await client.request(PRODUCT, { id });
    const uncached = await statementCount(platform.subgraphs.products.url);
    await client.request(PRODUCT, { id });
    // Served from Redis through the proxy: what follows is a cache taken away, not one that never worked.
    expect(await statementCount(platform.subgraphs.products.url)).toBe(uncached);

    await redisProxy.stop();

    await client.request(UPDATE_PRODUCT, { id, input: { price: "90.00" } });
    await client.request(ADJUST_STOCK, { id, delta: -1 });
    const before = await statementCount(platform.subgraphs.products.url);
    const { product } = await client.request(PRODUCT, { id });
    expect(product).toMatchObject({ price: "90.00", stockQuantity: 3 });
    expect((await statementCount(platform.subgraphs.products.url)) - before).toBe(1);
    const { products } = await client.request(PRODUCTS, { first: 5 });
    expect(products.nodes).toEqual([expect.objectContaining({ id, price: "90.00" })]);
  });
});

describe("products read cache when Redis is slow (postgres)", () => {
  let redisProxy: TcpProxy;
  const prefix = `test-cache-${crypto.randomBytes(4).toString("hex")}`;
  // Well past the products cache's 500 ms command timeout: Redis accepts and answers, too late.
  const SLOW_MS = 2000;
  const COOLDOWN_MS = 600_000;

  beforeAll(async () => {
    redisProxy = await startRedisProxy();
  });
  const platform = usePlatform("postgres", () => ({
    // A cooldown the slow phase (some 25 round trips) fits in however loaded the machine (a trial call inside it
    // would make its counts wrong); the test moves the clock past it (the breaker reads Date.now()).
    env: {
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      REDIS_KEY_PREFIX: prefix,
      CIRCUIT_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
    },
    // The gateway's rate limits count in memory: what goes through the proxy is the products cache's alone.
    gateway: { redis: undefined },
  }));
  const moveClockOn = useMovableClock();
  afterAll(async () => {
    await redisProxy?.stop();
    await dropKeys(prefix);
  });

  const productsUrl = () => platform.subgraphs.products.url;
  const breakerState = async () => metricValue(await scrape(productsUrl()), "circuit_breaker_state", { dependency: "redis" });

  test("after one timed-out call reads skip Redis; writes made meanwhile are not served stale once it is back", async () => {
    const client = platform.client();
    const userId = await registerUser(client);
    const id = await createProduct(client, { name: "Slow lamp", price: "10.00", stockQuantity: 7 });
    await client.request(PRODUCT, { id });
    const warm = await statementCount(productsUrl());
    expect((await client.request(PRODUCT, { id })).product).toMatchObject({ price: "10.00" });
    expect(await statementCount(productsUrl())).toBe(warm); // cached: 10.00 is in Redis under the current version
    expect(await breakerState()).toBe(0);

    redisProxy.latencyMs = SLOW_MS;
    // The one read that waits for the timeout: it answers from the database, and the circuit opens.
    expect((await client.request(PRODUCT, { id })).product).toMatchObject({ price: "10.00", stockQuantity: 7 });
    expect(await breakerState()).toBe(2);

    // Each of these would have waited 500 ms for Redis; none asks it now.
    const N = 20;
    const chunks = redisProxy.chunksFromClients;
    const statements = await statementCount(productsUrl());
    for (let i = 0; i < N; i++) {
      expect((await client.request(PRODUCT, { id })).product).toMatchObject({ id, price: "10.00", stockQuantity: 7 });
    }
    expect(redisProxy.chunksFromClients).toBe(chunks);
    expect((await statementCount(productsUrl())) - statements).toBe(N);
    const { products } = await client.request(PRODUCTS, { first: 5 });
    expect(products.nodes).toEqual([expect.objectContaining({ id, price: "10.00" })]);
    expect(redisProxy.chunksFromClients).toBe(chunks);
    expect(await breakerState()).toBe(2);

    // Writes while the circuit is open still send their invalidations (not waiting for them): skipped, 10.00 and 7
    // would still be the entry under the current version when Redis answers again.
    await client.request(UPDATE_PRODUCT, { id, input: { price: "12.00" } });
    expect(redisProxy.chunksFromClients).toBeGreaterThan(chunks);
    await client.request(CREATE_ORDER, { userId, items: [{ productId: id, quantity: 2 }] }); // reserveStock
    expect((await client.request(PRODUCT, { id })).product).toMatchObject({ price: "12.00", stockQuantity: 5 });

    // Redis recovers: after the cooldown one read tries it, closes the circuit, and the cache serves again.
    // Once the late answers have arrived: the trial call must not queue behind them past its timeout.
    redisProxy.latencyMs = 0;
    await until(async () => redisProxy.chunksHeld === 0);
    moveClockOn(COOLDOWN_MS + 1);
    await until(async () => {
      expect((await client.request(PRODUCT, { id })).product).toMatchObject({ price: "12.00", stockQuantity: 5 });
      return (await breakerState()) === 0;
    }, 40_000);
    await client.request(PRODUCT, { id }); // stores the row under the version the invalidations moved to
    const recovered = await statementCount(productsUrl());
    expect((await client.request(PRODUCT, { id })).product).toMatchObject({ price: "12.00", stockQuantity: 5 });
    expect(await statementCount(productsUrl())).toBe(recovered);
  });
});

describe("the products cache's versions (real Redis)", () => {
  test("a reader that read the database before a write committed cannot store what later readers see", async () => {
    const prefix = `test-cache-${crypto.randomBytes(4).toString("hex")}`;
    const redis = new Redis(REDIS_URL);
    const metrics = new ServiceMetrics("products-cache-test");
    const cache = new ProductCache({
      redis,
      keyPrefix: prefix,
      ttlSeconds: 60,
      breaker: { failureThreshold: 1, cooldownMs: 10_000 },
      logger: createLogger("test", "silent"),
      metrics,
    });
    const row = (price: string): Product => ({
      id: 7,
      name: "Lamp",
      description: "",
      price: new Prisma.Decimal(price),
      stockQuantity: 3,
      category: "",
      tags: [],
      createdAt: new Date("2026-01-01T00:00:00Z"),
      updatedAt: new Date("2026-01-01T00:00:00Z"),
      archivedAt: null,
    });
    try {
      await cache.lookup([7]); // the version exists from now on
      const slowReader = await cache.lookup([7]); // reads the versions, then (slowly) the old row
      await cache.changed([7]); // meanwhile a write commits and invalidates
      await cache.store([row("10.00")], slowReader.versions); // the slow reader stores the old row, too late
      const next = await cache.lookup([7]);
      expect(next.found.size).toBe(0); // not served: the next reader goes to the database …
      await cache.store([row("12.00")], next.versions);
      const after = await cache.lookup([7]);
      expect(after.found.get(7)?.price.toString()).toBe("12"); // … and what it stored is served
      expect(after.found.get(7)?.createdAt).toEqual(new Date("2026-01-01T00:00:00Z"));
    } finally {
      await dropKeys(prefix);
      redis.disconnect();
      metrics.close();
    }
  });
});
