import crypto from "node:crypto";
import { CircuitState } from "cockatiel";
import { GraphQLClient } from "graphql-request";
import { ProductsClient } from "../subgraphs/orders/src/products.client";
import { createServiceClient } from "../lib/service-client";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { metricValue, scrape } from "./support/metrics";
import { CREATE_ORDER, PRODUCT, USER } from "./support/operations";
import { startFaultyProductsPlatform, type FaultyProductsPlatform } from "./support/faulty-products-platform";
import { startGatewayBeside, type TestPlatform } from "./support/platform";
import { useMovableClock } from "./support/clock";
import { recoverFully } from "./support/recovery";
import { BALANCED, readLedger } from "./support/stock-ledger";

/**
 * Circuit breakers between services (lib/circuit-breaker.ts), on PostgreSQL:
 * a dependency that keeps failing is cut off, so callers get their answer at
 * once instead of after a timeout each, and it is tried again after the
 * cool-down. A fault proxy sits between orders and products, and between a
 * second gateway and products.
 */

const SERVICE_CALL_TIMEOUT_MS = 3000;
const FAILURES = 2;
const COOLDOWN_MS = 2000;

/** How long the call took, and how it failed. */
async function timed(call: Promise<unknown>) {
  const startedAt = Date.now();
  const failure = await graphqlError(call);
  return { ...failure, waitedMs: Date.now() - startedAt };
}

describe("circuit breakers (postgres)", () => {
  let faulty: FaultyProductsPlatform;
  let platform: TestPlatform;
  let proxy: FaultProxy;
  let gql: GraphQLClient;
  const startingStock = new Map<number, number>();

  beforeAll(async () => {
    faulty = await startFaultyProductsPlatform({
      serviceCallTimeoutMs: SERVICE_CALL_TIMEOUT_MS,
      env: { CIRCUIT_BREAKER_FAILURES: String(FAILURES), CIRCUIT_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS) },
    });
    ({ platform, proxy } = faulty);
    gql = platform.client();
  }, 180_000);
  afterEach(async () => {
    await proxy?.heal();
  });
  /** The breaker (cockatiel) reads its cool-down off Date.now(): the clock is moved past it instead of waited out. */
  const moveClockOn = useMovableClock();
  const coolDown = () => moveClockOn(COOLDOWN_MS + 1);
  afterAll(async () => {
    await faulty?.stop();
  });

  const product = async (stockQuantity: number) => {
    const id = await createProduct(gql, { name: `Guarded ${stockQuantity}`, price: "4.00", stockQuantity });
    startingStock.set(Number(id), stockQuantity);
    return id;
  };
  const place = (userId: string, productId: string, quantity: number) =>
    gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity }], idempotencyKey: crypto.randomUUID() });
  const recoverAll = () => recoverFully(() => platform.subgraphs.orders.recover());

  test("business refusals (OUT_OF_STOCK, NOT_FOUND) do not count as failures: products keeps being asked", async () => {
    const productId = await product(1);
    const service = createServiceClient(
      `${proxy.url}/graphql`,
      platform.secrets.serviceToken,
      "products",
      SERVICE_CALL_TIMEOUT_MS,
      { failureThreshold: FAILURES, cooldownMs: 60_000 },
    );
    const products = new ProductsClient(service);
    const asked = proxy.delivered("ReserveStock");
    const refusals = [
      { productId: Number(productId), quantity: 5 },
      { productId: 999_999, quantity: 1 },
    ];
    for (let attempt = 0; attempt < FAILURES + 2; attempt++) {
      const line = refusals[attempt % 2];
      await expect(products.reserveStock(crypto.randomUUID(), [line])).rejects.toMatchObject({
        code: line.quantity === 5 ? "OUT_OF_STOCK" : "NOT_FOUND",
      });
    }
    expect(proxy.delivered("ReserveStock")).toBe(asked + FAILURES + 2);
    expect(service.breaker?.state).toBe(CircuitState.Closed);

    // And through the whole platform: refused orders, then one that is placed.
    const userId = await registerUser(gql);
    for (let attempt = 0; attempt < FAILURES + 1; attempt++) {
      expect(await graphqlError(place(userId, productId, 5))).toMatchObject({ code: "OUT_OF_STOCK" });
    }
    expect((await place(userId, productId, 1)).createOrder.status).toBe("PENDING");
    await recoverAll();
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
  });

  test("orders → products: after the threshold a hung products is not waited for; the order stays ACCEPTED_PENDING and completes once products is back", async () => {
    const userId = await registerUser(gql);
    const productId = await product(20);
    proxy.fail("ReserveStock", "hang");
    for (let failure = 0; failure < FAILURES; failure++) {
      const timedOut = await timed(place(userId, productId, 1));
      expect(timedOut.code).toBe("ACCEPTED_PENDING");
      expect(timedOut.waitedMs).toBeGreaterThanOrEqual(SERVICE_CALL_TIMEOUT_MS - 100);
    }
    const asked = proxy.delivered("ReserveStock");
    const cutOff = await timed(place(userId, productId, 1));
    // Told exactly as for an unanswered call (the placement is recorded; recovery finishes it), but at once.
    expect(cutOff.code).toBe("ACCEPTED_PENDING");
    expect(proxy.delivered("ReserveStock")).toBe(asked); // the call never left orders (so it waited for no timeout)
    expect(cutOff.waitedMs).toBeLessThan(SERVICE_CALL_TIMEOUT_MS);
    const metrics = await scrape(platform.subgraphs.orders.url);
    expect(metricValue(metrics, "circuit_breaker_state", { dependency: "products" })).toBe(2);
    expect((await readLedger(platform, startingStock)).unsettled.placements).toBe(FAILURES + 1);

    await proxy.heal(); // products answers again (the held calls arrive late, and reserve)
    coolDown();
    expect((await place(userId, productId, 2)).createOrder.status).toBe("PENDING");
    expect(metricValue(await scrape(platform.subgraphs.orders.url), "circuit_breaker_state", { dependency: "products" })).toBe(0);
    await recoverAll();
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
  });

  test("the gateway: a hung subgraph answers SERVICE_UNAVAILABLE at once after the threshold, the other subgraphs still answer", async () => {
    const userId = await registerUser(gql);
    const productId = await product(3);
    const hung = await startFaultProxy(platform.subgraphs.products.url);
    const timeoutMs = 1500;
    const gateway = await startGatewayBeside(platform, {
      subgraphUrls: { products: `${hung.url}/graphql` },
      subgraphTimeoutMs: timeoutMs,
      circuitBreaker: { failureThreshold: FAILURES, cooldownMs: COOLDOWN_MS },
    });
    const client = new GraphQLClient(`${gateway.url}/graphql`);
    try {
      hung.fail("*", "hang");
      for (let failure = 0; failure < FAILURES; failure++) {
        const timedOut = await timed(client.request(PRODUCT, { id: productId }));
        expect(timedOut.code).toBe("SERVICE_UNAVAILABLE");
        expect(timedOut.waitedMs).toBeGreaterThanOrEqual(timeoutMs - 100);
      }
      const asked = hung.received();
      const cutOff = await timed(client.request(PRODUCT, { id: productId }));
      expect(cutOff.code).toBe("SERVICE_UNAVAILABLE");
      expect(cutOff.message).not.toContain(hung.url);
      // At once: the call never left the gateway (so it waited for no timeout).
      expect(hung.received()).toBe(asked);
      expect(cutOff.waitedMs).toBeLessThan(timeoutMs);
      expect(metricValue(await scrape(gateway.url), "circuit_breaker_state", { dependency: "products" })).toBe(2);
      expect((await client.request(USER, { id: userId })).user?.id).toBe(userId);

      await hung.heal();
      coolDown();
      expect((await client.request(PRODUCT, { id: productId })).product?.stockQuantity).toBe(3);
    } finally {
      await gateway.close();
      await hung.close();
    }
  });
});
