import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import pg from "pg";
import type { OrderStatus } from "../lib/__generated__/public-api-tests/graphql";
import { callFailureOf } from "../lib/graphql-client";
import { nextStatuses } from "../subgraphs/orders/src/order-lifecycle";
import { startRestShim } from "../rest-shim/src/shim";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER, ORDER_HISTORY, UPDATE_ORDER_STATUS } from "./support/operations";
import { usePlatform } from "./support/use-platform";
import { recoverFully } from "./support/recovery";
import { restClient } from "./support/rest-client";
import { quietLogger } from "./support/rest-platform";
import { seededRandom } from "./support/seeded-random";
import { BALANCED, readLedger } from "./support/stock-ledger";

/**
 * The orders database losing its connections: every ~250 ms each of its
 * backends is terminated (pg_terminate_backend, as a failover or an
 * administrator would), while clients place keyed orders and cancel them, and
 * while two orders replicas race status moves on a few orders, with a small
 * pool. What must hold once the faults stop and recovery has run: no order
 * that stands has its reservation released at products, the stock adds up on
 * both sides, every acknowledged order exists once, no placed order was
 * answered with an error (only ACCEPTED_PENDING or a retryable code, whose
 * retry then answers that order), and every failure says it can be retried.
 */
const SEED = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
const FAULT_EVERY_MS = 250;
const ROUNDS = 3;
const ROUND_MS = 3_000;
/** How long recovery may take to settle everything once the faults stop. */
const CONVERGENCE_BOUND_MS = 30_000;

interface Answer {
  ok: boolean;
  id?: string;
  code?: unknown;
  retryable?: unknown;
}

describe(`orders while its database drops connections (postgres, seed ${SEED})`, () => {
  // The default pool (10 connections), which 8 moves at once on each of 6 orders per gateway outnumber, and a short
  // lock timeout, so that moves racing on one order meet it.
  // The gateway waits as on every test platform (70 s, BUSY_MACHINE_WAITS), not production's 10 s: what is checked
  // here is what orders answers, and on a shared 2-core machine a move queued behind 95 others, each statement waiting
  // up to 2 s for a connection, can take longer (the gateway's own timeout answer has its tests in orders-faults and
  // circuit-breaker).
  const platform = usePlatform("postgres", { replicas: 2, env: { ORDERS_LOCK_TIMEOUT_MS: "20" } });
  const ordersUrl = () => (platform.databases.configs.orders as { url: string }).url;
  let gateways: GraphQLClient[];
  let admin: pg.Client;
  let ordersDatabase: string;
  const startingStock = new Map<number, number>();

  beforeAll(async () => {
    ordersDatabase = new URL(ordersUrl()).pathname.slice(1);
    gateways = platform.replicas.gatewayUrls.map((url) => new GraphQLClient(url));
    admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });

  /** Terminates every backend of the orders database every FAULT_EVERY_MS until the returned function is called. */
  const dropConnections = () => {
    let on = true;
    let terminated = 0;
    const loop = (async () => {
      while (on) {
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [ordersDatabase],
        );
        terminated += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, FAULT_EVERY_MS));
      }
    })();
    return async () => {
      on = false;
      await loop;
      return terminated;
    };
  };

  const answerOf = async (call: Promise<{ id: string }>): Promise<Answer> => {
    try {
      return { ok: true, id: (await call).id };
    } catch (error) {
      const failure = callFailureOf(error);
      if (failure?.kind !== "answered") throw error;
      return { ok: false, code: failure.error.code, retryable: failure.error.extensions.retryable };
    }
  };
  /** A failure that tells the client the same call may be sent again. */
  const retryableFailure = (answer: Answer) =>
    (answer.code === "SERVICE_UNAVAILABLE" || answer.code === "CONFLICT") && answer.retryable === true;

  const recoverOnEveryReplica = () => Promise.all(platform.replicas.orders.map((orders) => orders.recover()));

  /** Reservations products has released although the order on them stands (not cancelled): stock that could be sold twice. */
  const releasedUnderStandingOrders = async () => {
    const standing = await platform.subgraphs.orders.database.prisma.order.findMany({
      where: { status: { not: "cancelled" } },
      select: { stockReservationId: true },
    });
    return platform.subgraphs.products.database.prisma.stockReservation.findMany({
      where: { id: { in: standing.map((order) => order.stockReservationId) }, state: "released" },
      select: { id: true },
    });
  };

  test(`keyed orders and cancels from 6 clients over ${ROUNDS} rounds of dropped connections: nothing sold twice, no placed order answered with an error`, async () => {
    const random = seededRandom(SEED);
    const products: string[] = [];
    for (let i = 0; i < 3; i++) {
      const stock = 60 + i * 20;
      const id = await createProduct(gateways[0], { name: `Contested ${i}`, price: `${i + 1}.25`, stockQuantity: stock });
      products.push(id);
      startingStock.set(Number(id), stock);
    }
    const users: string[] = [];
    for (let i = 0; i < 6; i++) users.push(await registerUser(gateways[i % 2]));

    /** Every answer each key got, in order, and what each key asked for. */
    const answersOf = new Map<string, Answer[]>();
    const requestOf = new Map<string, { userId: string; items: { productId: string; quantity: number }[] }>();
    const cancelAnswers: Answer[] = [];
    let terminated = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const stop = dropConnections();
      const until = Date.now() + ROUND_MS;
      await Promise.all(
        users.map(async (userId, client) => {
          const gql = gateways[client % 2];
          while (Date.now() < until) {
            const key = crypto.randomUUID();
            const items = [
              { productId: products[Math.floor(random() * products.length)], quantity: 1 + Math.floor(random() * 2) },
            ];
            requestOf.set(key, { userId, items });
            const answers: Answer[] = [];
            answersOf.set(key, answers);
            // As a careful client does: the same key again while the answer says retrying is safe or the outcome is pending.
            for (let attempt = 0; attempt < 4; attempt++) {
              const answer = await answerOf(
                gql.request(CREATE_ORDER, { userId, items, idempotencyKey: key }).then((result) => result.createOrder),
              );
              answers.push(answer);
              if (answer.ok || !(retryableFailure(answer) || answer.code === "ACCEPTED_PENDING")) break;
            }
            const placed = answers.find((answer) => answer.ok);
            if (placed && random() < 0.5) {
              for (let attempt = 0; attempt < 4; attempt++) {
                const answer = await answerOf(
                  gql
                    .request(UPDATE_ORDER_STATUS, { id: placed.id!, status: "CANCELLED" })
                    .then((result) => result.updateOrderStatus),
                );
                cancelAnswers.push(answer);
                if (!retryableFailure(answer)) break;
              }
            }
          }
        }),
      );
      terminated += await stop();
    }
    expect(terminated).toBeGreaterThan(0);

    // Every answer under the faults was an order, a refusal of the request itself, or said what to do next.
    const allAnswers = [...[...answersOf.values()].flat(), ...cancelAnswers];
    const failures = allAnswers.filter((answer) => !answer.ok);
    expect(failures.filter((answer) => answer.code === "INTERNAL_SERVER_ERROR")).toEqual([]);
    expect(failures.filter((f) => !(retryableFailure(f) || f.code === "ACCEPTED_PENDING" || f.code === "OUT_OF_STOCK"))).toEqual(
      [],
    );

    // Each key asked once more, faults over: its order (or its refusal), which must be what it was answered before.
    const finalIdOf = new Map<string, string | null>();
    await Promise.all(
      [...answersOf.keys()].map(async (key, i) => {
        const { userId, items } = requestOf.get(key)!;
        const answer = await answerOf(
          gateways[i % 2].request(CREATE_ORDER, { userId, items, idempotencyKey: key }).then((result) => result.createOrder),
        );
        if (!answer.ok) expect(answer.code).toBe("OUT_OF_STOCK");
        finalIdOf.set(key, answer.ok ? answer.id! : null);
      }),
    );
    for (const [key, answers] of answersOf) {
      const finalId = finalIdOf.get(key);
      for (const answer of answers) {
        if (answer.ok)
          expect(answer.id).toBe(finalId); // an acknowledged order is the key's one order
        else if (finalId !== null) expect(retryableFailure(answer) || answer.code === "ACCEPTED_PENDING").toBe(true);
      }
    }

    const started = Date.now();
    await recoverFully(recoverOnEveryReplica, CONVERGENCE_BOUND_MS);
    expect(Date.now() - started).toBeLessThan(CONVERGENCE_BOUND_MS);

    // Every acknowledged order exists once; no order exists that no key placed.
    const orders = await platform.subgraphs.orders.database.prisma.order.findMany({ select: { id: true } });
    const placedIds = [...finalIdOf.values()].filter((id): id is string => id !== null);
    expect(new Set(placedIds).size).toBe(placedIds.length);
    expect(orders.map((order) => String(order.id)).sort()).toEqual([...placedIds].sort());
    expect(await releasedUnderStandingOrders()).toEqual([]);
    expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
  });

  test("a move on an order another transaction holds waits only the lock timeout: CONFLICT, retryable (REST 409 with Retry-After)", async () => {
    const productId = await createProduct(gateways[0], { name: "Held", price: "1.00", stockQuantity: 5 });
    startingStock.set(Number(productId), 5);
    const userId = await registerUser(gateways[0]);
    const { id } = (await gateways[0].request(CREATE_ORDER, { userId, items: [{ productId, quantity: 1 }] })).createOrder;
    const shim = await startRestShim({
      gateway: platform.gateway.inProcess,
      host: "127.0.0.1",
      ports: { legacyGateway: 0, users: 0, products: 0, orders: 0 },
      rateLimitPerMinute: 10_000,
      logger: quietLogger(),
    });
    const holder = new pg.Client({ connectionString: ordersUrl() });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "orders" WHERE "id" = $1 FOR UPDATE`, [Number(id)]);
      const move = () => gateways[0].request(UPDATE_ORDER_STATUS, { id, status: "PROCESSING" });
      expect(await answerOf(move().then((result) => result.updateOrderStatus))).toEqual({
        ok: false,
        code: "CONFLICT",
        retryable: true,
      });
      const rest = await restClient(shim.urls.orders).patch(`/api/orders/${id}/status`, { status: "processing" });
      expect(rest.status).toBe(409);
      expect(rest.headers.get("retry-after")).toBe("1");
      await holder.query("ROLLBACK");
      // Nothing was applied; the same move, sent again once the row is free, is.
      expect((await move()).updateOrderStatus.status).toBe("PROCESSING");
      const { order } = await gateways[0].request(ORDER_HISTORY, { id });
      expect(order!.statusHistory.map((change) => change.status)).toEqual(["PENDING", "PROCESSING"]);
    } finally {
      await holder.end();
      await shim.close();
    }
  });

  test.each([
    ["alone", false],
    ["while connections drop", true],
  ] as const)(
    "two orders replicas race 8 moves each on a few orders, %s: every failure retryable, final states consistent",
    async (_name, faults) => {
      const productId = await createProduct(gateways[0], { name: "Raced", price: "3.00", stockQuantity: 40 });
      startingStock.set(Number(productId), 40);
      const userId = await registerUser(gateways[0]);
      const orderIds: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { createOrder } = await gateways[0].request(CREATE_ORDER, {
          userId,
          items: [{ productId, quantity: 2 }],
          idempotencyKey: crypto.randomUUID(),
        });
        orderIds.push(createOrder.id);
      }
      const targets: OrderStatus[] = ["PROCESSING", "SHIPPED", "CANCELLED", "DELIVERED"];
      const random = seededRandom(SEED + (faults ? 2 : 1));

      const stop = faults ? dropConnections() : async () => 0;
      // Each of the 2 gateways (each over both orders replicas) sends 8 moves at once on every order; a move is sent
      // again, as a careful client would, while its answer says that is safe.
      const answers = (
        await Promise.all(
          orderIds.flatMap((id) =>
            gateways.flatMap((gql) =>
              Array.from({ length: 8 }, async () => {
                const status = targets[Math.floor(random() * targets.length)];
                const tries: Answer[] = [];
                for (let attempt = 0; attempt < 3; attempt++) {
                  tries.push(
                    await answerOf(gql.request(UPDATE_ORDER_STATUS, { id, status }).then((result) => result.updateOrderStatus)),
                  );
                  if (!retryableFailure(tries.at(-1)!)) break;
                }
                return tries;
              }),
            ),
          ),
        )
      ).flat();
      if (faults) expect(await stop()).toBeGreaterThan(0);

      const failures = answers.filter((answer) => !answer.ok);
      expect(failures.filter((answer) => answer.code === "INTERNAL_SERVER_ERROR")).toEqual([]);
      // A move the lifecycle refuses is an answer about the order, not a failure; the rest say "send it again".
      expect(
        failures.filter((f) => !(retryableFailure(f) || f.code === "ILLEGAL_STATUS_MOVE" || f.code === "ACCEPTED_PENDING")),
      ).toEqual([]);
      // Without faults most moves get through; with them, enough statements fail that few may.
      if (!faults) expect(answers.some((answer) => answer.ok)).toBe(true);

      await recoverFully(recoverOnEveryReplica, CONVERGENCE_BOUND_MS);
      for (const id of orderIds) {
        const { order } = await gateways[0].request(ORDER_HISTORY, { id });
        const history = order!.statusHistory.map((change) => change.status.toLowerCase() as Parameters<typeof nextStatuses>[0]);
        // A path the lifecycle allows, one step per line, ending at the order's status.
        expect(history[0]).toBe("pending");
        for (let i = 1; i < history.length; i++) expect(nextStatuses(history[i - 1])).toContain(history[i]);
        expect(history.at(-1)).toBe(order!.status.toLowerCase());
        expect(order!.pendingStep).toBeNull();
      }
      expect(await releasedUnderStandingOrders()).toEqual([]);
      expect(await readLedger(platform, startingStock)).toEqual(BALANCED);
    },
  );
});
