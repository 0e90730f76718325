import path from "node:path";
import { formatTable, runBench } from "../scripts/bench/bench";

const ROOT = path.resolve(__dirname, "..");

/**
 * `npm run bench` must keep working: 20 requests of every measurement
 * against a real platform, without the warm-ups. The figures are not judged here (this machine is
 * shared and noisy); the answers are: every load got only right answers, and
 * the stock taken equals the units in the recorded orders (runBench throws
 * otherwise).
 */
test("the benchmark runs every measurement with right answers and consistent stock", async () => {
  // No warm-ups: they make the figures fair, and the figures are not what is checked here.
  const result = await runBench({
    // A fixed amount of work rather than a time: a quarter-second load on a busy machine once got no answer at all.
    durationSeconds: 0,
    requestsPerLoad: 20,
    warmUpSeconds: 0,
    connections: 2,
    spreadProducts: 3,
    log: () => undefined,
  });

  expect(result.measurements.map((m) => m.name)).toEqual(
    expect.arrayContaining([
      "gateway: federated orders",
      "hive gateway: federated orders",
      "hive gateway + router runtime: federated orders",
      "orders subgraph alone",
      "REST: orders of a user",
      "gateway: orders of a user",
      "createOrder, hot SKU",
      "createOrder, spread over 3 products",
    ]),
  );
  for (const measurement of result.measurements) {
    expect(measurement.requests).toBeGreaterThan(0);
    expect(measurement.wrongAnswers).toBe(0);
    // CPU is divided by the requests sent, the answered ones and those still in flight when the load stopped.
    expect(measurement.requestsSent).toBeGreaterThanOrEqual(measurement.requests);
    // Each service's event-loop delay and GC during the load, read from its /metrics.
    expect(Object.keys(measurement.runtime).sort()).toEqual(["gateway", "orders", "products", "users"]);
    expect(measurement.runtime.gateway.eventLoopDelayMaxMs).toBeGreaterThan(0);
  }
  for (const value of Object.values(result.ratios)) expect(value).toBeGreaterThan(0);
  // Each Hive Gateway runtime is a process of its own, and each spent CPU on the load sent to it.
  const cpuOf = (name: string, process: string) => result.measurements.find((m) => m.name === name)!.cpuMsPerRequest[process];
  expect(cpuOf("hive gateway: federated orders", "hive")).toBeGreaterThan(0);
  expect(cpuOf("hive gateway + router runtime: federated orders", "hive router")).toBeGreaterThan(0);
  expect(result.stockCheck.length).toBeGreaterThan(0);
  expect(result.stockCheck.every((line) => line.stockTaken === line.unitsInOrders)).toBe(true);
  // One process per subgraph and the gateway's, which serves the REST ports too.
  expect(
    Object.keys(result.residentMemoryMiB)
      .map((entry) => path.relative(ROOT, entry))
      .sort(),
  ).toEqual([
    "gateway/src/main.ts",
    "subgraphs/orders/src/main.ts",
    "subgraphs/products/src/main.ts",
    "subgraphs/users/src/main.ts",
  ]);
  // Constant whatever the lists hold: a page of the user's order ids, then those orders with their items in one
  // statement; the users and the products one batched look-up each.
  expect(result.statementsPerFederatedQuery).toEqual({ users: 1, products: 1, orders: 2 });
  // One order at a time: orders records the placement, then the order with its lines, history and event in one
  // statement, confirms it and answers it; products reserves and confirms. No interactive transaction
  // anywhere: no lock is held across a round trip.
  expect(result.statementsPerOrder.statements).toMatchObject({ products: 2, orders: 4 });
  // The buyer's account is remembered (ACCOUNT_CACHE_TTL_SECONDS): read again only when that runs out during the
  // 20 orders, never once per order.
  expect(result.statementsPerOrder.statements.users).toBeLessThan(0.5);
  expect(result.statementsPerOrder.transactions).toEqual({ users: 0, products: 0, orders: 0 });
  expect(formatTable(result)).toContain("| gateway: federated orders |");
}, 240_000);
