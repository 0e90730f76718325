// `npm run bench`: starts the platform as `npm start` does (PostgreSQL when
// *_DATABASE_URL is set, embedded PGlite otherwise), loads a fixed data set,
// and measures side by side, with autocannon:
//   - the federated order query through our gateway, through Hive Gateway on
//     the same subgraphs, and the orders subgraph alone;
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
//   npm run bench -- [--duration 10] [--connections 50] [--only TEXT] [--compiled] [--redis URL] [--out bench-results/latest.json]
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { print, type DocumentNode } from "graphql";
import { GraphQLClient, gql } from "graphql-request";
import { ORDER, ORDERS_BY_USER, PRODUCT, SEARCH_PRODUCTS, USER } from "../../rest-shim/src/documents";
import { encodePrincipal, PRINCIPAL_HEADER, SERVICE, SERVICE_TOKEN_HEADER } from "../../lib/request-identity";
import {
  cpuMillisecondsOf,
  freePort,
  ROOT,
  startPlatformProcess,
  type PlatformProcess,
} from "../../test/support/platform-process";

export interface BenchOptions {
  durationSeconds: number;
  connections: number;
  /** Products in the spread-out order run. */
  spreadProducts: number;
  /** Run only the measurements whose name contains this text (profiling one path); all when unset. */
  only?: string;
  /** Run the compiled platform (`npm run build`, as production and the image do) instead of TypeScript through tsx. */
  compiled?: boolean;
  /** Give the platform this Redis (REDIS_URL): shared counters and the products read cache (docs/caching.md). */
  redisUrl?: string;
  log(line: string): void;
}

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers that were not what they should be: non-2xx, errors, or a read differing from the first answer. */
  wrongAnswers: number;
  /** CPU milliseconds each process (the services, Hive Gateway, the load generator) spent per request during the run. */
  cpuMsPerRequest: Record<string, number>;
}

export interface BenchResult {
  startedAt: string;
  backend: "postgres" | "pglite";
  options: { durationSeconds: number; connections: number; compiled: boolean; redis: boolean };
  startupMs: number;
  residentMemoryMiB: Record<string, number>;
  measurements: Measurement[];
  /** SQL statements each subgraph ran per federated order query (db_query_duration_seconds_count on its /metrics). */
  statementsPerFederatedQuery: Record<string, number>;
  /** One createOrder at a time: statements per database, and products' interactive transactions (where row locks outlive a round trip). */
  statementsPerOrder: OrderStatements;
  ratios: Record<string, number>;
  stockCheck: { product: string; stockTaken: number; unitsInOrders: number }[];
}

const FEDERATED_ORDERS = gql`
  query BenchFederatedOrders($userId: ID!) {
    ordersByUser(userId: $userId) {
      id
      status
      totalAmount
      createdAt
      user {
        username
        email
      }
      items {
        quantity
        unitPrice
        product {
          name
          price
          category
        }
      }
    }
  }
`;

/** The same orders without the federated fields: what the orders subgraph answers alone. */
const SUBGRAPH_ORDERS = gql`
  query BenchSubgraphOrders($userId: ID!) {
    ordersByUser(userId: $userId) {
      id
      status
      totalAmount
      createdAt
      items {
        quantity
        unitPrice
      }
    }
  }
`;

const CREATE_ORDER = gql`
  mutation BenchCreateOrder($userId: ID!, $items: [OrderLineInput!]!) {
    createOrder(userId: $userId, items: $items) {
      id
    }
  }
`;

/** What the orders service sends to products to take an order's stock (subgraphs/orders/src/products.client.ts). */
const RESERVE_STOCK = gql`
  mutation BenchReserveStock($reservationId: ID!, $items: [StockLineInput!]!) {
    reserveStock(reservationId: $reservationId, items: $items) {
      lines {
        productId
        unitPrice
      }
    }
  }
`;

const REGISTER = gql`
  mutation BenchRegister($input: RegisterInput!) {
    register(input: $input) {
      id
    }
  }
`;

const CREATE_PRODUCT = gql`
  mutation BenchCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
    }
  }
`;

const STOCK = gql`
  query BenchStock($id: ID!) {
    product(id: $id) {
      stockQuantity
    }
  }
`;

const LARGE_STOCK = 10_000_000;

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
      // Recovery runs at start-up; its periodic runs would add their statements to the per-request counts.
      ORDERS_RECOVERY_INTERVAL_SECONDS: "3600",
      JWT_SECRET: crypto.randomBytes(32).toString("hex"),
      SERVICE_TOKEN: serviceToken,
      // A key prefix of this run's own, so that no earlier run's cached entries are read.
      ...(options.redisUrl
        ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: `bench-${crypto.randomBytes(4).toString("hex")}` }
        : {}),
    },
  });
  const hive = await startHiveGateway(platform, serviceToken, options);
  try {
    log(`up in ${Math.round(platform.startupMs)} ms; loading the data set…`);
    const data = await loadDataSet(platform.gatewayUrl, options.spreadProducts);
    const measurements: Measurement[] = [];
    const processes = { ...serviceProcesses(platform), hive: hive.pid };
    const measure = async (name: string, target: LoadTarget) => {
      if (options.only && !name.includes(options.only)) return undefined;
      // Warm up first (JIT, connection pools, caches): the first target measured would otherwise pay for it.
      await load(
        `${name} (warm-up)`,
        target,
        { ...options, durationSeconds: Math.min(2, options.durationSeconds) },
        { warmUp: true },
      );
      await untilQuiet(platform);
      const measurement = await withCpuPerRequest(processes, async () => {
        const result = await load(name, target, options);
        await untilQuiet(platform);
        return result;
      });
      log(`  ${name}: ${measurement.requestsPerSecond.toFixed(0)} req/s, p99 ${measurement.p99Ms} ms`);
      measurements.push(measurement);
      return measurement;
    };

    const graphql = (
      url: string,
      document: string | DocumentNode,
      variables: object,
      headers: Record<string, string> = {},
    ): LoadTarget => ({
      url,
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: typeof document === "string" ? document : print(document), variables }),
    });
    const get = (url: string): LoadTarget => ({ url, method: "GET", headers: {} });

    log("federated order query:");
    const userVars = { userId: data.readerId };
    await measure("gateway: federated orders", graphql(platform.gatewayUrl, FEDERATED_ORDERS, userVars));
    await measure("hive gateway: federated orders", graphql(hive.url, FEDERATED_ORDERS, userVars));
    await measure(
      "orders subgraph alone",
      graphql(platform.env.ORDERS_URL, SUBGRAPH_ORDERS, userVars, { "x-service-token": serviceToken }),
    );

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
    const reserveAlone = (productId: () => string): LoadTarget => ({
      url: platform.env.PRODUCTS_URL,
      method: "POST",
      headers: {
        "content-type": "application/json",
        [SERVICE_TOKEN_HEADER]: serviceToken,
        [PRINCIPAL_HEADER]: encodePrincipal(SERVICE),
      },
      nextBody: () =>
        JSON.stringify({
          query: RESERVE_STOCK,
          variables: { reservationId: crypto.randomUUID(), items: [{ productId: productId(), quantity: 1 }] },
        }),
    });
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
    addRatio("gateway / hive gateway (federated orders)", "gateway: federated orders", "hive gateway: federated orders");
    addRatio("gateway / orders subgraph alone", "gateway: federated orders", "orders subgraph alone");
    for (const [name] of pairs) addRatio(`REST / gateway (${name})`, `REST: ${name}`, `gateway: ${name}`);
    addRatio("hot SKU / spread (createOrder)", "createOrder, hot SKU", spreadName);
    addRatio("hot SKU / spread (reserveStock on products alone)", reserveHotName, reserveSpreadName);
    const result: BenchResult = {
      startedAt: new Date().toISOString(),
      backend: databaseUrls.USERS_DATABASE_URL ? "postgres" : "pglite",
      options: {
        durationSeconds: options.durationSeconds,
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
    await hive.stop();
    await platform.stop();
  }
}

interface LoadTarget {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Makes each request's body (for orders: which product); a fixed body otherwise. */
  nextBody?: () => string;
}

/** Runs one autocannon load, checking every answer. */
async function load(
  name: string,
  target: LoadTarget,
  options: BenchOptions,
  { warmUp = false } = {},
): Promise<Omit<Measurement, "cpuMsPerRequest">> {
  const expected = target.nextBody ? undefined : await firstAnswer(target);
  let wrongAnswers = 0;
  let firstWrong: string | undefined;
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: target.method,
        headers: target.headers,
        body: target.body,
        setupRequest: (request) => (target.nextBody ? { ...request, body: target.nextBody() } : request),
        onResponse: (status, body) => {
          const wrong = expected === undefined ? status !== 200 || body.includes('"errors"') : body !== expected;
          if (wrong && wrongAnswers++ === 0) firstWrong = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  // Non-2xx answers are already among the wrong bodies above; errors and timeouts got no answer at all (in a
  // warm-up, cold code and the first connections may take longer than autocannon's 10 s: only wrong answers count).
  if (!warmUp) wrongAnswers += result.errors + result.timeouts;
  if (wrongAnswers > 0) {
    throw new Error(
      `${name}: ${wrongAnswers} wrong answers (${result.errors} connection errors, ${result.timeouts} timeouts; first wrong answer: ${firstWrong ?? "none"})`,
    );
  }
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    wrongAnswers,
  };
}

/** The platform's service processes by short name (users, products, orders, gateway; the gateway also serves the REST shim). */
function serviceProcesses(platform: PlatformProcess): Record<string, number> {
  return Object.fromEntries(
    Object.entries(platform.servicePids()).map(([entry, pid]) => [path.basename(path.dirname(path.dirname(entry))), pid]),
  );
}

/** Runs a load and adds how much CPU time each process spent on it, per request. */
async function withCpuPerRequest(
  pids: Record<string, number>,
  run: () => Promise<Omit<Measurement, "cpuMsPerRequest">>,
): Promise<Measurement> {
  const cpu = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMillisecondsOf(pid)])),
    "load generator": process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
  });
  const before = cpu();
  const measurement = await run();
  const after = cpu();
  const perRequest = (name: string) => Math.round(((after[name] - before[name]) / Math.max(measurement.requests, 1)) * 100) / 100;
  return { ...measurement, cpuMsPerRequest: Object.fromEntries(Object.keys(after).map((name) => [name, perRequest(name)])) };
}

async function firstAnswer(target: LoadTarget): Promise<string> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body: target.body });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"')) throw new Error(`${target.url} answered ${response.status}: ${text}`);
  return text;
}

function orderTarget(gatewayUrl: string, userId: string, productId: () => string): LoadTarget {
  return {
    url: gatewayUrl,
    method: "POST",
    headers: { "content-type": "application/json" },
    nextBody: () =>
      JSON.stringify({ query: CREATE_ORDER, variables: { userId, items: [{ productId: productId(), quantity: 1 }] } }),
  };
}

/** Sends `target` 20 times, one after another, and reads how many statements each subgraph's database ran per request. */
async function statementsPerRequest(
  platform: PlatformProcess,
  target: LoadTarget,
  metric = "db_query_duration_seconds_count",
): Promise<Record<string, number>> {
  await untilQuiet(platform, STRICTLY_QUIET_MS);
  const before = await statementCounts(platform, metric);
  const requests = 20;
  for (let i = 0; i < requests; i += 1) await firstAnswer(target);
  const after = await statementCounts(platform, metric);
  return Object.fromEntries(Object.keys(before).map((name) => [name, (after[name] - before[name]) / requests]));
}

/**
 * For one order placed at a time: statements per subgraph database, and how
 * many of them each database ran inside interactive transactions (a row lock
 * taken in one is held across those round trips; outside one, a statement
 * commits on its own and holds its locks only while it runs).
 */
async function orderStatements(platform: PlatformProcess, target: LoadTarget): Promise<OrderStatements> {
  await untilQuiet(platform, STRICTLY_QUIET_MS);
  const before = await Promise.all(ORDER_STATEMENT_METRICS.map((metric) => statementCounts(platform, metric)));
  const requests = 20;
  for (let i = 0; i < requests; i += 1) await firstAnswer({ ...target, body: target.nextBody!() });
  const after = await Promise.all(ORDER_STATEMENT_METRICS.map((metric) => statementCounts(platform, metric)));
  const perOrder = (index: number) =>
    Object.fromEntries(Object.keys(after[index]).map((name) => [name, (after[index][name] - before[index][name]) / requests]));
  return { statements: perOrder(0), transactions: perOrder(1), statementsInTransactions: perOrder(2) };
}

const ORDER_STATEMENT_METRICS = [
  "db_query_duration_seconds_count",
  "db_transaction_statements_count",
  "db_transaction_statements_sum",
] as const;

/** Per order, by subgraph database. */
interface OrderStatements {
  statements: Record<string, number>;
  /** Interactive transactions. */
  transactions: Record<string, number>;
  /** Round trips made inside them (COMMIT included): on products, the most a product row can stay locked across. */
  statementsInTransactions: Record<string, number>;
}

/** A counter each subgraph exposes on its /metrics (by default the statements its database has run so far). */
async function statementCounts(
  platform: PlatformProcess,
  metric = "db_query_duration_seconds_count",
): Promise<Record<string, number>> {
  return Object.fromEntries(
    await Promise.all(
      (["users", "products", "orders"] as const).map(async (name) => {
        const text = await (await fetch(platform.metricsUrl(name))).text();
        const line = text.split("\n").find((row) => row.startsWith(metric));
        return [name, Number(line?.split(" ").pop() ?? NaN)] as const;
      }),
    ),
  );
}

/**
 * Autocannon stops by closing its connections, but the requests already sent
 * are still being answered. Wait until the databases have gone quiet (no
 * statement for `quietMs`, looked at every 200 ms), so that this tail is not
 * counted in the next measurement. Between loads one look is enough (a tail of
 * at most one request per connection is noise in a rate or a CPU figure);
 * before statements are counted exactly, a whole second: a request of the
 * tail can sit between two statements for a while (in the gateway, or in a GC
 * pause) on a machine this loaded.
 */
async function untilQuiet(platform: PlatformProcess, quietMs = 200): Promise<void> {
  const lookEveryMs = 200;
  let last = JSON.stringify(await statementCounts(platform));
  for (let quietFor = 0; quietFor < quietMs;) {
    await new Promise((resolve) => setTimeout(resolve, lookEveryMs));
    const now = JSON.stringify(await statementCounts(platform));
    quietFor = now === last ? quietFor + lookEveryMs : 0;
    last = now;
  }
}

/** Before statements are counted one request at a time: no statement of an earlier load may land among them. */
const STRICTLY_QUIET_MS = 1_000;

interface DataSet {
  readerId: string;
  anOrderId: string;
  catalogue: string[];
  hotProductId: string;
  spread: string[];
}

/** One user with 20 orders of 3 lines over 5 products, a hot product, and `spreadCount` more products. */
async function loadDataSet(gatewayUrl: string, spreadCount: number): Promise<DataSet> {
  const client = new GraphQLClient(gatewayUrl);
  const product = async (name: string, price: string) => {
    const { createProduct } = await client.request<{ createProduct: { id: string } }>(CREATE_PRODUCT, {
      input: { name, description: `${name}, a widget for benchmarks`, price, stockQuantity: LARGE_STOCK, category: "Bench" },
    });
    return createProduct.id;
  };
  const catalogue: string[] = [];
  for (let i = 1; i <= 5; i += 1) catalogue.push(await product(`Bench widget ${i}`, `${i * 10}.99`));
  const readerId = await registerUser(gatewayUrl, "reader");
  let anOrderId = "";
  for (let i = 0; i < 20; i += 1) {
    const items = [0, 1, 2].map((line) => ({ productId: catalogue[(i + line) % 5], quantity: line + 1 }));
    const { createOrder } = await client.request<{ createOrder: { id: string } }>(CREATE_ORDER, { userId: readerId, items });
    anOrderId = createOrder.id;
  }
  const hotProductId = await product("Bench hot item", "5.00");
  const spread: string[] = [];
  for (let i = 0; i < spreadCount; i += 1) spread.push(await product(`Bench spread item ${i}`, "1.00"));
  return { readerId, anOrderId, catalogue, hotProductId, spread };
}

async function registerUser(gatewayUrl: string, role: string): Promise<string> {
  const tag = `${role}${crypto.randomBytes(4).toString("hex")}`;
  const { register } = await new GraphQLClient(gatewayUrl).request<{ register: { id: string } }>(REGISTER, {
    input: { email: `${tag}@bench.example`, username: tag, password: "bench password" },
  });
  return register.id;
}

/**
 * Autocannon stops by closing its connections, but orders it sent last may
 * still be being placed: wait (up to a minute) until stock and orders agree.
 */
async function settledStock(gatewayUrl: string, buyers: string[], productIds: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lines = await checkStock(gatewayUrl, buyers, productIds);
    const inconsistent = lines.filter((line) => line.stockTaken !== line.unitsInOrders);
    if (inconsistent.length === 0) return lines;
    if (Date.now() > deadline) throw new Error(`stock taken differs from units in orders: ${JSON.stringify(inconsistent)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** For each product: stock taken since the data set was loaded, against the units in the buyers' recorded orders. */
async function checkStock(gatewayUrl: string, buyers: string[], productIds: string[]) {
  const client = new GraphQLClient(gatewayUrl);
  const units = new Map<string, number>();
  for (const userId of buyers) {
    for (let after: string | undefined; ;) {
      const { ordersByUser } = await client.request<{
        ordersByUser: { id: string; items: { product: { id: string }; quantity: number }[] }[];
      }>(ORDERS_BY_USER, { userId, first: 100, after });
      for (const order of ordersByUser) {
        for (const item of order.items) units.set(item.product.id, (units.get(item.product.id) ?? 0) + item.quantity);
      }
      if (ordersByUser.length < 100) break;
      after = ordersByUser[ordersByUser.length - 1].id;
    }
  }
  const lines = [];
  for (const id of productIds) {
    const { product } = await client.request<{ product: { stockQuantity: number } }>(STOCK, { id });
    lines.push({ product: id, stockTaken: LARGE_STOCK - product.stockQuantity, unitsInOrders: units.get(id) ?? 0 });
  }
  return lines;
}

/**
 * Compiled runs are measured as production runs them (the Dockerfile, the manifests): NODE_ENV=production, which
 * also turns off graphql-js's development checks (its instanceOf took 5% of a subgraph's CPU). Hive Gateway gets the same.
 */
function productionMode(options: Pick<BenchOptions, "compiled">): Record<string, string> {
  return options.compiled ? { NODE_ENV: "production" } : {};
}

async function startHiveGateway(platform: PlatformProcess, serviceToken: string, options: Pick<BenchOptions, "compiled">) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "hive-gateway.ts")], {
    env: {
      ...process.env,
      HIVE_PORT: String(port),
      USERS_URL: platform.env.USERS_URL,
      PRODUCTS_URL: platform.env.PRODUCTS_URL,
      ORDERS_URL: platform.env.ORDERS_URL,
      SERVICE_TOKEN: serviceToken,
      ...productionMode(options),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`Hive Gateway exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export function formatTable(result: BenchResult): string {
  const rows = result.measurements.map(
    (m) => `| ${m.name} | ${m.requestsPerSecond.toFixed(0)} | ${m.p50Ms} | ${m.p99Ms} | ${m.requests} |`,
  );
  const ratios = Object.entries(result.ratios).map(([name, value]) => `| ${name} | ${value} |`);
  const cpuColumns = [...new Set(result.measurements.flatMap((m) => Object.keys(m.cpuMsPerRequest)))];
  const memory = Object.entries(result.residentMemoryMiB).map(([entry, mib]) => `| ${entry} | ${mib} |`);
  const total = Object.values(result.residentMemoryMiB).reduce((sum, mib) => sum + mib, 0);
  return [
    `${result.options.compiled ? "compiled" : "tsx"}, backend ${result.backend}${result.options.redis ? " + Redis" : ""}, ${result.options.connections} connections, ${result.options.durationSeconds} s each`,
    "",
    "| target | req/s | p50 ms | p99 ms | requests |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "CPU milliseconds per request, by process:",
    "",
    `| target | ${cpuColumns.join(" | ")} |`,
    `| --- | ${cpuColumns.map(() => "---").join(" | ")} |`,
    ...result.measurements.map(
      (m) => `| ${m.name} | ${cpuColumns.map((column) => m.cpuMsPerRequest[column] ?? "").join(" | ")} |`,
    ),
    "",
    "| ratio (req/s) | value |",
    "| --- | --- |",
    ...ratios,
    "",
    `SQL statements per federated order query: ${Object.entries(result.statementsPerFederatedQuery)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ")}`,
    orderStatementsLine(result.statementsPerOrder),
    `start-up to all healthy: ${result.startupMs} ms`,
    "",
    "| process | resident MiB |",
    "| --- | --- |",
    ...memory,
    `| all | ${total} |`,
  ].join("\n");
}

function orderStatementsLine({ statements, transactions, statementsInTransactions }: OrderStatements): string {
  const each = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ");
  return [
    `SQL statements per createOrder: ${each(statements)}`,
    `interactive transactions per createOrder: ${each(transactions)}`,
    `round trips inside them (products: while a product row is locked): ${each(statementsInTransactions)}`,
  ].join("\n");
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
