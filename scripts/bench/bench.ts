// `npm run bench`: starts the platform as `npm start` does (PostgreSQL when
// *_DATABASE_URL is set, embedded PGlite otherwise), loads a fixed data set,
// and measures side by side, with autocannon:
//   - the federated order query through our gateway, through Hive Gateway on
//     the same subgraphs (its default runtime, and Hive Router's runtime with
//     the Rust query planner), and the orders subgraph alone;
//   - each REST shim read against the same GraphQL operation sent to the gateway;
//   - createOrder with every client on one product (hot SKU) and spread over 100,
//     and, one order at a time, its statements and interactive transactions per database;
//   - reserveStock (the step that locks product rows) sent to the products subgraph alone, hot and spread;
//   - start-up time to all-healthy and resident memory per process.
// Every answer is checked (reads against the first answer, orders for errors),
// and after the order runs the stock taken must equal the units recorded.
// Figures are printed and written as JSON; nothing here is asserted in tests
// except that the script runs and its answers are right (test/bench.smoke.test.ts).
//
//   npm run bench -- [--duration 10] [--connections 50] [--only TEXT] [--rounds 1] [--compiled] [--redis URL] [--out bench-results/latest.json]
//
// The parts, by job: targets.ts (what is sent), data.ts (the data set and the stock check), load.ts (one load,
// statement counts), processes.ts (the processes measured, Hive Gateway's among them, and their CPU), report.ts.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ORDER, ORDERS_BY_USER, PRODUCT, SEARCH_PRODUCTS, USER } from "../../rest-shim/src/documents";
import { ROOT, startPlatformProcess } from "../../test/support/platform-process";
import { loadDataSet, registerUser, settledStock } from "./data";
import { load, orderStatements, statementsPerRequest, untilQuiet } from "./load";
import {
  productionMode,
  serviceProcesses,
  startHiveGateway,
  withCpuPerRequest,
  withRuntimeStats,
  type HiveGateway,
} from "./processes";
import { formatTable, orderStatementsLine, type BenchResult, type Measurement } from "./report";
import {
  FEDERATED_ORDERS,
  getTarget,
  graphqlTarget,
  orderTarget,
  reserveStockTarget,
  SUBGRAPH_ORDERS,
  type LoadTarget,
} from "./targets";

export { formatTable, type BenchResult, type Measurement };

/** The gateways the federated query is sent to, by the name their measurements carry. */
const FEDERATED_GATEWAYS = (ours: string, hive: string, hiveRouter: string): [string, string][] => [
  ["gateway", ours],
  ["hive gateway", hive],
  ["hive gateway + router runtime", hiveRouter],
];
export interface BenchOptions {
  /** Each measured load's length, unless requestsPerLoad is given. */
  durationSeconds: number;
  /**
   * Send this many requests in each measured load instead of loading for durationSeconds: a fixed amount of work
   * whatever the machine's speed (the smoke test; on a busy machine a quarter-second load once got no answer at all).
   */
  requestsPerLoad?: number;
  connections: number;
  /** Products in the spread-out order run. */
  spreadProducts: number;
  /** Each measurement's warm-up load, before it is measured: min(2, durationSeconds) by default; 0 leaves it out. */
  warmUpSeconds?: number;
  /** Run only the measurements whose name contains this text (profiling one path); all when unset. */
  only?: string;
  /** Run the compiled platform (`npm run build`, as production and the image do) instead of the TypeScript (lib/processes.ts). */
  compiled?: boolean;
  /** Give the platform this Redis (REDIS_URL): shared counters and the products read cache (docs/caching.md). */
  redisUrl?: string;
  /** Measure the federated query on the three gateways this many times, interleaved (their ratios move with the machine). */
  rounds?: number;
  log(line: string): void;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const databaseUrls = Object.fromEntries(
    ["USERS_DATABASE_URL", "PRODUCTS_DATABASE_URL", "ORDERS_DATABASE_URL"].flatMap((name) =>
      process.env[name] ? [[name, process.env[name]!]] : [],
    ),
  );
  const serviceToken = crypto.randomBytes(32).toString("hex");
  log(`starting the platform (${databaseUrls.USERS_DATABASE_URL ? "PostgreSQL" : "embedded PGlite"})…`);
  if (options.compiled) {
    log("compiling (npm run build)…");
    execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.js")], { cwd: ROOT, stdio: "ignore" });
  }
  const platform = await startPlatformProcess({
    command: options.compiled ? ["--enable-source-maps", "dist/lib/platform/start-platform.js"] : undefined,
    env: {
      ...databaseUrls,
      ...productionMode(options),
      AUTH_MODE: "open",
      RATE_LIMIT_PER_MINUTE: "100000000",
      GRAPHQL_RATE_LIMIT_PER_MINUTE: "100000000",
      GRAPHQL_USER_RATE_LIMIT_PER_MINUTE: "100000000",
      // Recovery runs at start-up, and the mail relay is woken by each email queued; their periodic runs would add
      // their statements to the per-request counts.
      ORDERS_RECOVERY_INTERVAL_SECONDS: "3600",
      MAIL_RELAY_POLL_SECONDS: "3600",
      JWT_SECRET: crypto.randomBytes(32).toString("hex"),
      SERVICE_TOKEN: serviceToken,
      // A key prefix of this run's own, so that no earlier run's cached entries are read.
      ...(options.redisUrl
        ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: `bench-${crypto.randomBytes(4).toString("hex")}` }
        : {}),
    },
  });
  // Both Hive Gateway runtimes, each its own process on the same running subgraphs (scripts/bench/hive-gateway.ts),
  // one after the other: starting them side by side made the machine's busiest moment busier still. Whatever started
  // is stopped when either fails to start.
  let hive: HiveGateway | undefined;
  let hiveRouter: HiveGateway;
  try {
    hive = await startHiveGateway(platform, serviceToken, "default", options);
    hiveRouter = await startHiveGateway(platform, serviceToken, "router", options);
  } catch (error) {
    await Promise.all([hive?.stop(), platform.stop()]);
    throw error;
  }
  try {
    log(`up in ${Math.round(platform.startupMs)} ms; loading the data set…`);
    const data = await loadDataSet(platform.gatewayUrl, options.spreadProducts);
    const measurements: Measurement[] = [];
    const processes = { ...serviceProcesses(platform), hive: hive.pid, "hive router": hiveRouter.pid };
    const measure = async (name: string, target: LoadTarget) => {
      if (options.only && !name.includes(options.only)) return undefined;
      // Warm up first (JIT, connection pools, caches): the first target measured would otherwise pay for it.
      const warmUpSeconds = options.warmUpSeconds ?? Math.min(2, options.durationSeconds);
      if (warmUpSeconds > 0) {
        const warmUp = { ...options, durationSeconds: warmUpSeconds, requestsPerLoad: undefined };
        await load(`${name} (warm-up)`, target, warmUp, { warmUp: true });
        await untilQuiet(platform);
      }
      const measurement = await withCpuPerRequest(processes, async () => {
        // Runtime figures cover the load alone: waiting for quiet scrapes the subgraphs' /metrics, which restarts
        // their event-loop delay windows.
        const result = await withRuntimeStats(platform, () => load(name, target, options));
        await untilQuiet(platform);
        return result;
      });
      log(`  ${name}: ${measurement.requestsPerSecond.toFixed(0)} req/s, p99 ${measurement.p99Ms} ms`);
      measurements.push(measurement);
      return measurement;
    };

    const graphql = graphqlTarget;
    const get = getTarget;
    log("federated order query:");
    const userVars = { userId: data.readerId };
    const rounds = Math.max(1, options.rounds ?? 1);
    for (let round = 1; round <= rounds; round += 1) {
      // Later rounds are named apart; the first keeps the plain names the ratios and the smoke test read.
      const suffix = round === 1 ? "" : ` (round ${round})`;
      for (const [name, url] of FEDERATED_GATEWAYS(platform.gatewayUrl, hive.url, hiveRouter.url)) {
        await measure(`${name}: federated orders${suffix}`, graphql(url, FEDERATED_ORDERS, userVars));
      }
      await measure(
        `orders subgraph alone${suffix}`,
        graphql(platform.env.ORDERS_URL, SUBGRAPH_ORDERS, userVars, { "x-service-token": serviceToken }),
      );
    }

    const statementsPerFederatedQuery = await statementsPerRequest(
      platform,
      graphql(platform.gatewayUrl, FEDERATED_ORDERS, userVars),
    );
    log(`  SQL statements per federated query: ${JSON.stringify(statementsPerFederatedQuery)}`);

    log("REST shim against the same GraphQL operation:");
    const rest = platform.restUrl("legacyGateway");
    const pairs: [string, LoadTarget, LoadTarget][] = [
      [
        "orders of a user",
        get(`${rest}/api/orders/user/${data.readerId}`),
        // The shim asks for pages of 100 (the reader has 20 orders: one page).
        graphql(platform.gatewayUrl, ORDERS_BY_USER, { userId: data.readerId, first: 100 }),
      ],
      ["one order", get(`${rest}/api/orders/${data.anOrderId}`), graphql(platform.gatewayUrl, ORDER, { id: data.anOrderId })],
      [
        "one product",
        get(`${rest}/api/products/${data.catalogue[0]}`),
        graphql(platform.gatewayUrl, PRODUCT, { id: data.catalogue[0] }),
      ],
      [
        "product search",
        get(`${rest}/api/products/search?q=widget`),
        graphql(platform.gatewayUrl, SEARCH_PRODUCTS, { query: "widget" }),
      ],
      ["one user", get(`${rest}/api/users/${data.readerId}`), graphql(platform.gatewayUrl, USER, { id: data.readerId })],
    ];
    for (const [name, restTarget, graphqlTarget] of pairs) {
      await measure(`REST: ${name}`, restTarget);
      await measure(`gateway: ${name}`, graphqlTarget);
    }

    log("placing orders:");
    const hotBuyer = await registerUser(platform.gatewayUrl, "hot");
    await measure(
      "createOrder, hot SKU",
      orderTarget(platform.gatewayUrl, hotBuyer, () => data.hotProductId),
    );
    const spreadBuyer = await registerUser(platform.gatewayUrl, "spread");
    let next = 0;
    const spreadName = `createOrder, spread over ${data.spread.length} products`;
    await measure(
      spreadName,
      orderTarget(platform.gatewayUrl, spreadBuyer, () => data.spread[next++ % data.spread.length]),
    );
    const statementsPerOrder = await orderStatements(
      platform,
      orderTarget(platform.gatewayUrl, spreadBuyer, () => data.spread[next++ % data.spread.length]),
    );
    log(`  ${orderStatementsLine(statementsPerOrder)}`);
    const stockCheck = await settledStock(platform.gatewayUrl, [hotBuyer, spreadBuyer], [data.hotProductId, ...data.spread]);

    // The step that locks a product row, alone: reserveStock sent straight to the products subgraph as the
    // orders service sends it (after the stock check, since these reservations belong to no order).
    const reserveAlone = (productId: () => string) => reserveStockTarget(platform.env.PRODUCTS_URL, serviceToken, productId);
    const reserveHotName = "createOrder's reserveStock, products subgraph alone, hot SKU";
    const reserveSpreadName = `createOrder's reserveStock, products subgraph alone, spread over ${data.spread.length} products`;
    await measure(
      reserveHotName,
      reserveAlone(() => data.hotProductId),
    );
    await measure(
      reserveSpreadName,
      reserveAlone(() => data.spread[next++ % data.spread.length]),
    );

    const byName = new Map(measurements.map((m) => [m.name, m]));
    const ratios: Record<string, number> = {};
    const addRatio = (label: string, a: string, b: string) => {
      const [x, y] = [byName.get(a), byName.get(b)];
      if (x && y) ratios[label] = Math.round((x.requestsPerSecond / y.requestsPerSecond) * 100) / 100;
    };
    for (let round = 1; round <= rounds; round += 1) {
      const suffix = round === 1 ? "" : ` (round ${round})`;
      const ours = `gateway: federated orders${suffix}`;
      addRatio(`gateway / hive gateway (federated orders${suffix})`, ours, `hive gateway: federated orders${suffix}`);
      addRatio(
        `gateway / hive gateway + router runtime (federated orders${suffix})`,
        ours,
        `hive gateway + router runtime: federated orders${suffix}`,
      );
      addRatio(`gateway / orders subgraph alone${suffix}`, ours, `orders subgraph alone${suffix}`);
    }
    for (const [name] of pairs) addRatio(`REST / gateway (${name})`, `REST: ${name}`, `gateway: ${name}`);
    addRatio("hot SKU / spread (createOrder)", "createOrder, hot SKU", spreadName);
    addRatio("createOrder, hot SKU / gateway: federated orders", "createOrder, hot SKU", "gateway: federated orders");
    addRatio("hot SKU / spread (reserveStock on products alone)", reserveHotName, reserveSpreadName);
    const result: BenchResult = {
      startedAt: new Date().toISOString(),
      backend: databaseUrls.USERS_DATABASE_URL ? "postgres" : "pglite",
      options: {
        durationSeconds: options.durationSeconds,
        requestsPerLoad: options.requestsPerLoad,
        connections: options.connections,
        compiled: options.compiled ?? false,
        redis: options.redisUrl !== undefined,
      },
      startupMs: Math.round(platform.startupMs),
      residentMemoryMiB: platform.residentMemory(),
      measurements,
      statementsPerFederatedQuery,
      statementsPerOrder,
      ratios,
      stockCheck: stockCheck.filter((line) => line.stockTaken > 0),
    };
    return result;
  } catch (error) {
    // Say what the platform printed: a service that died under load is the likely cause.
    const output = platform.output().split("\n").slice(-40).join("\n");
    throw new Error(`${(error as Error).message}\n--- platform output (last lines) ---\n${output}`, { cause: error });
  } finally {
    await Promise.all([hive.stop(), hiveRouter.stop()]);
    await platform.stop();
  }
}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

if (require.main === module) {
  const out = argument("out", "bench-results/latest.json");
  runBench({
    durationSeconds: Number(argument("duration", "10")),
    connections: Number(argument("connections", "50")),
    spreadProducts: Number(argument("spread", "100")),
    only: process.argv.includes("--only") ? argument("only", "") : undefined,
    rounds: Number(argument("rounds", "1")),
    compiled: process.argv.includes("--compiled"),
    redisUrl: process.argv.includes("--redis") ? argument("redis", "redis://127.0.0.1:6379") : undefined,
    log: (line) => process.stdout.write(`${line}\n`),
  }).then(
    (result) => {
      process.stdout.write(`\n${formatTable(result)}\n`);
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, JSON.stringify(result, null, 2));
      process.stdout.write(`\nwrote ${out}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
