import crypto from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import type { OrderStatus } from "../lib/__generated__/public-api-tests/graphql";
import { ENV_VARIABLES } from "../lib/config";
import { startFaultProxy, type Fault, type FaultProxy } from "./support/fault-proxy";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import {
  CREATE_ORDER,
  ORDER_ACROSS_SUBGRAPHS,
  ORDER_HISTORY,
  ORDERS_BY_USER,
  PRODUCT,
  UPDATE_ORDER_STATUS,
} from "./support/operations";
import { startFaultyProductsPlatform, type FaultyProductsPlatform } from "./support/faulty-products-platform";
import { startGatewayBeside, type TestPlatform } from "./support/platform";
import { recoverFully } from "./support/recovery";
import { BALANCED, readLedger } from "./support/stock-ledger";
import { seededRandom } from "./support/seeded-random";
import { until } from "./support/until";
import { freePort } from "./support/platform-process";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/**
 * Orders under faults, on PostgreSQL: a proxy between the orders and products
 * subgraphs refuses, loses or holds chosen calls (products down, an answer
 * lost, products hung), and the orders service runs as its own process where
 * it must be killed. After each story, recovery runs and the stock ledger must
 * balance with nothing left between two steps.
 */

const ROOT = path.resolve(__dirname, "..");
/** The default: what a hung call costs a caller here. */
const SERVICE_CALL_TIMEOUT_MS = 3000;

describe("orders under faults (postgres)", () => {
  let faulty: FaultyProductsPlatform;
  let platform: TestPlatform;
  let proxy: FaultProxy;
  let gql: GraphQLClient;
  const startingStock = new Map<number, number>();

  beforeAll(async () => {
    faulty = await startFaultyProductsPlatform({
      serviceCallTimeoutMs: SERVICE_CALL_TIMEOUT_MS,
      // Each story here is about single faults and what recovery makes of them; the circuit breaker, which would
      // refuse calls for a while after a run of them, has its own suite (circuit-breaker.e2e.test.ts).
      env: { CIRCUIT_BREAKER_FAILURES: "1000000" },
    });
    ({ platform, proxy } = faulty);
    gql = platform.client();
  }, 180_000); // starting a platform on a loaded machine can take a while
  afterEach(async () => {
    await proxy?.heal();
  });
  afterAll(async () => {
    await faulty?.stop();
  });

  const product = async (stockQuantity: number) => {
    const id = await createProduct(gql, { name: `Faulty ${stockQuantity}`, price: "2.50", stockQuantity });
    startingStock.set(Number(id), stockQuantity);
    return id;
  };
  const stockOf = async (id: string) => (await gql.request(PRODUCT, { id })).product!.stockQuantity;
  const place = (userId: string, productId: string, quantity: number, idempotencyKey?: string) =>
    gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity }], idempotencyKey });
  // Any text: the gateway judges it (BAD_USER_INPUT for a status that does not exist).
  const move = (id: string, status: string) => gql.request(UPDATE_ORDER_STATUS, { id, status: status as OrderStatus });
  const orderOf = async (id: string) => (await gql.request(ORDER_HISTORY, { id })).order;
  const recover = () => platform.subgraphs.orders.recover();
  const recoverAll = () => recoverFully(recover);
  const ledger = () => readLedger(platform, startingStock);

  test("the failed-cancel reproduction: products down during a cancel; once it is back, recovery returns the stock exactly once", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const { createOrder } = await place(userId, productId, 3);
    expect(await stockOf(productId)).toBe(7);

    proxy.fail("*", "refuse"); // the products subgraph is unreachable for orders
    expect(await graphqlError(move(createOrder.id, "CANCELLED"))).toMatchObject({ code: "ACCEPTED_PENDING" });
    expect(await orderOf(createOrder.id)).toMatchObject({ status: "CANCELLED", pendingStep: "RELEASE_STOCK", nextStatuses: [] });
    expect(await stockOf(productId)).toBe(7);
    expect((await recover()).unfinished).toBeGreaterThan(0); // still down: nothing settled, and it says so

    await proxy.heal();
    expect(await recoverAll()).toMatchObject({ released: 1, unfinished: 0 });
    expect(await stockOf(productId)).toBe(10);
    expect(await recover()).toMatchObject({ released: 0, releasedOrphans: 0 });
    expect((await move(createOrder.id, "CANCELLED")).updateOrderStatus.status).toBe("CANCELLED");
    expect(await stockOf(productId)).toBe(10);
    expect(await orderOf(createOrder.id)).toMatchObject({ status: "CANCELLED", pendingStep: null });
    expect(await ledger()).toEqual(BALANCED);
  });

  test.each<[string, Fault]>([
    ["products unreachable before the reservation", "refuse"],
    ["the reservation made, its answer lost", "drop-answer"],
    ["products hung during the reservation, resuming after the caller gave up", "hang"],
  ])("placing, %s: answered ACCEPTED_PENDING, recovery places it, a retry with the key gets it", async (_story, fault) => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const key = crypto.randomUUID();
    proxy.fail("ReserveStock", fault);
    expect(await graphqlError(place(userId, productId, 4, key))).toMatchObject({ code: "ACCEPTED_PENDING" });
    expect((await ledger()).unsettled.placements).toBe(1);

    await proxy.heal(); // a held reservation arrives now, late
    expect(await recoverAll()).toMatchObject({ placed: 1, unfinished: 0 });
    const { createOrder } = await place(userId, productId, 4, key);
    expect(createOrder).toMatchObject({ status: "PENDING", pendingStep: null, items: [{ quantity: 4 }] });
    expect(await stockOf(productId)).toBe(6);
    expect((await gql.request(ORDERS_BY_USER, { userId })).ordersByUser.map((o) => o.id)).toEqual([createOrder.id]);
    expect(await ledger()).toEqual(BALANCED);
  });

  test("placing, the order recorded but its confirmation lost: a success that shows the pending step; recovery confirms", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    proxy.fail("ConfirmStockReservation", "refuse");
    const { createOrder } = await place(userId, productId, 2);
    expect(createOrder).toMatchObject({ status: "PENDING", pendingStep: "CONFIRM_STOCK" });
    await proxy.heal();
    expect(await recoverAll()).toMatchObject({ confirmed: 1, unfinished: 0 });
    expect(await orderOf(createOrder.id)).toMatchObject({ pendingStep: null });
    expect(await stockOf(productId)).toBe(8);
    expect(await ledger()).toEqual(BALANCED);
  });

  test("placing, refused while products cannot close the reservation: the refusal stands, recovery closes it", async () => {
    const userId = await registerUser(gql);
    const productId = await product(2);
    const key = crypto.randomUUID();
    proxy.fail("ReleaseStock", "refuse");
    expect(await graphqlError(place(userId, productId, 3, key))).toMatchObject({ code: "OUT_OF_STOCK" });
    expect((await ledger()).unsettled.placements).toBe(1);
    await proxy.heal();
    expect(await recoverAll()).toMatchObject({ rejected: 1, unfinished: 0 });
    expect(await graphqlError(place(userId, productId, 3, key))).toMatchObject({ code: "OUT_OF_STOCK" }); // the same answer again
    expect(await stockOf(productId)).toBe(2);
    expect(await ledger()).toEqual(BALANCED);
  });

  test.each<[string, Fault]>([
    ["products unreachable before the release", "refuse"],
    ["the release made, its answer lost", "drop-answer"],
    ["products hung during the release, resuming later", "hang"],
  ])("cancelling, %s: cancelled with the release pending; recovery gives the stock back once", async (_story, fault) => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const { createOrder } = await place(userId, productId, 3);
    proxy.fail("ReleaseStock", fault);
    expect(await graphqlError(move(createOrder.id, "CANCELLED"))).toMatchObject({ code: "ACCEPTED_PENDING" });
    expect(await orderOf(createOrder.id)).toMatchObject({ status: "CANCELLED", pendingStep: "RELEASE_STOCK" });
    await proxy.heal();
    expect(await recoverAll()).toMatchObject({ released: 1, unfinished: 0 });
    expect(await stockOf(productId)).toBe(10);
    expect(await ledger()).toEqual(BALANCED);
  });

  test("two recovery workers at once (two replicas) settle each record exactly once", async () => {
    const userId = await registerUser(gql);
    const productId = await product(20);
    const placed = await Promise.all([1, 2, 3].map((quantity) => place(userId, productId, quantity)));
    proxy.fail("*", "refuse");
    for (const { createOrder } of placed) await graphqlError(move(createOrder.id, "CANCELLED"));
    const keys = [crypto.randomUUID(), crypto.randomUUID()];
    for (const key of keys) await graphqlError(place(userId, productId, 4, key));
    expect((await ledger()).unsettled).toEqual({ placements: 2, orders: 3, reservations: 0 });
    await proxy.heal();

    await Promise.all([recover(), recover()]);
    await recoverAll(); // whatever a loaded machine made either of them leave
    expect(await stockOf(productId)).toBe(12); // 20 - 2 × 4: the cancels' 6 units came back once, not twice
    expect(await ledger()).toEqual(BALANCED);
  });

  test("the orders process killed (SIGKILL) mid-reservation and mid-release while products hangs: the restarted process settles both", async () => {
    const userId = await registerUser(gql);
    const productId = await product(10);
    const asService = { "x-service-token": platform.secrets.serviceToken };

    let orders = await startOrdersProcess();
    proxy.fail("ReserveStock", "hang");
    void new GraphQLClient(orders.url, { headers: asService })
      .request(CREATE_ORDER, { userId, items: [{ productId, quantity: 4 }] })
      .catch(() => undefined);
    await proxy.waitForHeld();
    await kill(orders.child);
    await proxy.heal(); // products resumes: the stock is taken while no orders process runs
    expect(await stockOf(productId)).toBe(6);
    expect((await ledger()).unsettled).toEqual({ placements: 1, orders: 0, reservations: 1 });

    orders = await startOrdersProcess(); // its start-up recovery places the order
    await until(async () => JSON.stringify(await ledger()) === JSON.stringify(BALANCED));
    const [placed] = (await gql.request(ORDERS_BY_USER, { userId })).ordersByUser;
    expect(placed).toMatchObject({ status: "PENDING", items: [{ quantity: 4 }] });

    proxy.fail("ReleaseStock", "hang");
    void new GraphQLClient(orders.url, { headers: asService })
      .request(UPDATE_ORDER_STATUS, { id: placed.id, status: "CANCELLED" })
      .catch(() => undefined);
    await proxy.waitForHeld();
    await kill(orders.child);
    await proxy.heal();
    expect(await stockOf(productId)).toBe(10);

    orders = await startOrdersProcess();
    await until(async () => JSON.stringify(await ledger()) === JSON.stringify(BALANCED));
    expect(await orderOf(placed.id)).toMatchObject({ status: "CANCELLED", pendingStep: null });
    expect(await stockOf(productId)).toBe(10);
    await kill(orders.child);
  });

  test.each([20261126])(
    "randomized (seed %i): 16 clients place, cancel and move orders while products goes away and comes back; everything adds up",
    async (seed) => {
      const products = await Promise.all([6, 9, 14, 25].map((stock) => product(stock)));
      const users = await Promise.all(Array.from({ length: 4 }, () => registerUser(gql)));
      const STEPS = 10;
      const CLIENTS = 16;
      let done = 0;
      const seenPlaced = new Set<string>();
      const pendingKeys: { userId: string; productId: string; quantity: number; key: string }[] = [];

      const client = async (n: number) => {
        // Each client's choices come from its own generator, so the same seed makes the same plan.
        const random = seededRandom(seed * 100 + n);
        const userId = users[n % users.length];
        const mine: string[] = [];
        for (let step = 0; step < STEPS; step += 1) {
          const roll = random();
          const target = mine[Math.floor(random() * mine.length)];
          try {
            if (roll < 0.55 || !target) {
              const productId = products[Math.floor(random() * products.length)];
              const quantity = 1 + Math.floor(random() * 3);
              const key = `${seed}-${n}-${step}`;
              try {
                const { createOrder } = await place(userId, productId, quantity, key);
                mine.push(createOrder.id);
                seenPlaced.add(createOrder.id);
              } catch (error) {
                if ((await graphqlError(Promise.reject(error))).code === "ACCEPTED_PENDING") {
                  pendingKeys.push({ userId, productId, quantity, key });
                }
                throw error;
              }
            } else if (roll < 0.75) {
              await move(target, "CANCELLED");
            } else {
              await move(target, ["PROCESSING", "SHIPPED", "DELIVERED"][Math.floor(random() * 3)]);
            }
          } catch (error) {
            const { code } = await graphqlError(Promise.reject(error));
            expect(["OUT_OF_STOCK", "ILLEGAL_STATUS_MOVE", "ACCEPTED_PENDING", "SERVICE_UNAVAILABLE"]).toContain(code);
          } finally {
            done += 1;
          }
        }
      };

      const run = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
      const total = CLIENTS * STEPS;
      await until(async () => done >= total / 3 || done === total);
      proxy.fail("*", "refuse"); // products goes away for orders
      await until(async () => done >= (2 * total) / 3 || done === total);
      await proxy.heal();
      await run;

      expect(await recoverAll()).toMatchObject({ unfinished: 0 });
      expect(await ledger()).toEqual(BALANCED);
      // Every order a client saw placed exists; every pending answer has become a definite one.
      const orders = platform.subgraphs.orders.database.prisma.order;
      expect(await orders.count({ where: { id: { in: [...seenPlaced].map(Number) } } })).toBe(seenPlaced.size);
      for (const pending of pendingKeys) {
        const answer = await place(pending.userId, pending.productId, pending.quantity, pending.key).then(
          () => "PLACED",
          async (error) => (await graphqlError(Promise.reject(error))).code,
        );
        expect(["PLACED", "OUT_OF_STOCK"]).toContain(answer);
      }
      expect(await ledger()).toEqual(BALANCED);
    },
    90_000,
  );

  test("oversell: 20 rounds of 50 buyers for 10 units, every round exact", async () => {
    const userId = await registerUser(gql);
    for (let round = 0; round < 20; round += 1) {
      const productId = await product(10);
      const keys = Array.from({ length: 50 }, () => crypto.randomUUID());
      const answerOf = (key: string) =>
        place(userId, productId, 1, key).then(
          () => "PLACED",
          async (error) => (await graphqlError(Promise.reject(error))).code,
        );
      const first = await Promise.all(keys.map(answerOf));
      const unsure = ["ACCEPTED_PENDING", "SERVICE_UNAVAILABLE"];
      expect(first.filter((answer) => !["PLACED", "OUT_OF_STOCK", ...unsure].includes(String(answer)))).toEqual([]);
      // On a loaded machine a call may outlast its timeout: recovery decides those, and the key tells.
      const final = [...first];
      const unsettled = () => keys.filter((_, i) => unsure.includes(String(final[i])));
      await until(async () => {
        if (unsettled().length === 0) return true;
        await recover();
        await Promise.all(keys.map(async (key, i) => unsure.includes(String(final[i])) && (final[i] = await answerOf(key))));
        return unsettled().length === 0;
      }, 60_000);
      expect(final.filter((answer) => answer === "PLACED")).toHaveLength(10);
      expect(final.filter((answer) => answer === "OUT_OF_STOCK")).toHaveLength(40);
      expect(await stockOf(productId)).toBe(0);
    }
    // A confirmation that outlasted its timeout is left to recovery (the order stands either way); then nothing is left between steps.
    await recoverAll();
    expect(await ledger()).toEqual(BALANCED);
  }, 240_000);

  test("a hung subgraph: a federated query answers SERVICE_UNAVAILABLE within the gateway's configured timeout", async () => {
    const userId = await registerUser(gql);
    const productId = await product(5);
    const { createOrder } = await place(userId, productId, 1);
    const hung = await startFaultProxy(platform.subgraphs.products.url);
    const timeoutMs = 1500;
    const gateway = await startGatewayBeside(platform, {
      subgraphUrls: { products: `${hung.url}/graphql` },
      subgraphTimeoutMs: timeoutMs,
    });
    try {
      hung.fail("*", "hang");
      const startedAt = Date.now();
      const failure = await graphqlError(
        new GraphQLClient(`${gateway.url}/graphql`).request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id }),
      );
      const waited = Date.now() - startedAt;
      expect(failure.code).toBe("SERVICE_UNAVAILABLE");
      expect(failure.message).not.toContain(hung.url);
      expect(waited).toBeGreaterThanOrEqual(timeoutMs - 100);
      expect(waited).toBeLessThan(timeoutMs + 1500);
    } finally {
      await gateway.close();
      await hung.close();
    }
  });

  /** The real orders service as its own process, on the suite's database, calling products through the proxy. */
  async function startOrdersProcess(): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !(ENV_VARIABLES as string[]).includes(name)),
    );
    const ordersDb = faulty.databases.configs.orders;
    if (ordersDb.kind !== "postgres") throw new Error("this suite runs on PostgreSQL");
    const child = spawn(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, "subgraphs/orders/src/main.ts"], {
      cwd: ROOT,
      env: {
        ...inherited,
        LOG_LEVEL: "silent",
        ORDERS_DATABASE_URL: ordersDb.url,
        ORDERS_PORT: String(port),
        PRODUCTS_URL: `${proxy.url}/graphql`,
        USERS_URL: `${platform.subgraphs.users.url}/graphql`,
        JWT_SECRET: platform.secrets.jwtSecret,
        SERVICE_TOKEN: platform.secrets.serviceToken,
        SERVICE_CALL_TIMEOUT_MS: String(SERVICE_CALL_TIMEOUT_MS),
        // Only the start-up run: the test shows that one is enough.
        ORDERS_RECOVERY_INTERVAL_SECONDS: "3600",
      },
      stdio: "ignore",
    });
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`the orders process exited with ${child.exitCode}`);
      const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
      return response?.ok === true;
    }, 30_000);
    return { url: `http://127.0.0.1:${port}/graphql`, child };
  }
});

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
