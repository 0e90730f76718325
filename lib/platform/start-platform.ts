// `npm start`: the whole platform on this machine, one process per service,
// as the containers run it. Embedded PGlite databases under DATA_DIR unless
// *_DATABASE_URL variables point at PostgreSQL servers. Ctrl-C stops it all.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { authModeOf, metricsSettingsOf, readEnv, SERVICE_NODE_OPTIONS, subgraphUrls, type SubgraphName } from "../config";
import { createLogger } from "../logger";
import { resolveSecrets } from "../secrets";
import { healthUrlOf } from "../health-url";
import { TYPESCRIPT_ENTRY_ARGS } from "../processes";

const root = path.resolve(__dirname, "..", "..");
// Compiled (`npm run build`, then `npm run start:prod`): run the services' JavaScript; otherwise their TypeScript through SWC's require hook.
const compiled = __filename.endsWith(".js");
const env = readEnv();
const logger = createLogger("platform", env.LOG_LEVEL);
// Resolved once here so that every child shares the same (possibly generated) secrets.
const secrets = resolveSecrets(env, logger);

interface ServiceSpec {
  name: string;
  /** The entry module, without its extension. */
  entry: string;
  healthUrl: string;
  /** The settings that say where it is looked for, named when it does not answer there. */
  settings: string;
}

const host = (port: number) => `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${port}`;
const services: ServiceSpec[] = [
  {
    name: "users subgraph",
    entry: "subgraphs/users/src/main",
    healthUrl: healthUrlOf(subgraphUrls(env).users),
    settings: "USERS_URL, USERS_PORT",
  },
  {
    name: "products subgraph",
    entry: "subgraphs/products/src/main",
    healthUrl: healthUrlOf(subgraphUrls(env).products),
    settings: "PRODUCTS_URL, PRODUCTS_PORT",
  },
  {
    name: "orders subgraph",
    entry: "subgraphs/orders/src/main",
    healthUrl: healthUrlOf(subgraphUrls(env).orders),
    settings: "ORDERS_URL, ORDERS_PORT",
  },
  // The gateway's process also serves the legacy REST API, whose ports open last: up when port 8000 answers its /health.
  {
    name: "gateway",
    entry: "gateway/src/main",
    healthUrl: `${host(env.REST_GATEWAY_PORT)}/health`,
    settings: "REST_GATEWAY_PORT",
  },
];

/** Where a process serves /metrics: its own listener (METRICS_PORT and the like, production's default), or its GraphQL port. */
const metricsUrlOf = (service: "gateway" | SubgraphName, graphqlUrl: string) => {
  const listener = metricsSettingsOf(service, env).listener;
  const origin = listener
    ? `http://${listener.host === "0.0.0.0" ? "localhost" : listener.host}:${listener.port}`
    : new URL(graphqlUrl).origin;
  return `${origin}/metrics`;
};

const children: ChildProcess[] = [];
let stopping = false;

function startAll(): void {
  for (const service of services) {
    const entry = path.join(root, service.entry);
    const args = compiled ? ["--enable-source-maps", `${entry}.js`] : [...TYPESCRIPT_ENTRY_ARGS, `${entry}.ts`];
    // The caller's working directory (npm's: the repository), where a relative DATA_DIR lives.
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        JWT_SECRET: secrets.jwtSecret,
        SERVICE_TOKEN: secrets.serviceToken,
        NODE_OPTIONS: [SERVICE_NODE_OPTIONS, process.env.NODE_OPTIONS].filter(Boolean).join(" "),
      },
      // The IPC channel is how a child knows it is supervised: when it closes (this process exited, or was killed
      // with SIGKILL), the child stops too (lib/run-service.ts), so no service outlives its supervisor.
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("exit", (code, signal) => {
      if (stopping) return;
      logger.error({ service: service.name, code, signal }, "a service stopped unexpectedly; stopping the platform");
      stopAll(1);
    });
    children.push(child);
  }
}

function stopAll(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  let left = running.length;
  if (left === 0) process.exit(exitCode);
  for (const child of running) {
    child.once("exit", () => {
      left -= 1;
      if (left === 0) process.exit(exitCode);
    });
    child.kill("SIGTERM");
  }
  // A child that has not stopped by then (its own deadline, 10 s, has passed) is killed: never left running without us.
  setTimeout(() => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, STOP_GRACE_MS).unref();
}

const STOP_GRACE_MS = 12_000;

// Generous: three embedded databases starting at once on a busy machine take a while.
async function waitUntilHealthy({ name, healthUrl: url, settings }: ServiceSpec, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the ${name} did not answer ${url} (from ${settings}, or PORT_OFFSET)`);
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
// Started by another program with an IPC channel (the tests, a bench): stop with it, however it ends.
if (process.channel) {
  process.channel.unref();
  process.on("disconnect", () => stopAll(1));
}

startAll();
Promise.all(services.map((service) => waitUntilHealthy(service))).then(
  () => {
    const lines = [
      "",
      "The platform is up:",
      `  GraphQL + playground  ${env.GATEWAY_URL}`,
      `  gateway health        ${healthUrlOf(env.GATEWAY_URL)}`,
      `  users subgraph        ${env.USERS_URL}`,
      `  products subgraph     ${env.PRODUCTS_URL}`,
      `  orders subgraph       ${env.ORDERS_URL}`,
      `  REST (legacy API)     ${host(env.REST_GATEWAY_PORT)}  users ${host(env.REST_USERS_PORT)}  products ${host(env.REST_PRODUCTS_PORT)}  orders ${host(env.REST_ORDERS_PORT)}`,
      `  metrics (Prometheus)  gateway ${metricsUrlOf("gateway", env.GATEWAY_URL)}  users ${metricsUrlOf("users", env.USERS_URL)}  products ${metricsUrlOf("products", env.PRODUCTS_URL)}  orders ${metricsUrlOf("orders", env.ORDERS_URL)}`,
      `  AUTH_MODE             ${authModeOf(env)} (${authModeOf(env) === "open" ? "the legacy anonymous API" : "roles and ownership rules apply"}; README, "Modes, roles and tokens")`,
      `  data                  ${env.USERS_DATABASE_URL ? "PostgreSQL (from *_DATABASE_URL)" : `embedded PGlite in ${path.resolve(env.DATA_DIR)}`}`,
      "Load the sample catalogue with `npm run seed`. Ctrl-C stops everything.",
      "",
    ];
    process.stdout.write(lines.join("\n") + "\n");
  },
  (error) => {
    // Stopped while starting (Ctrl-C): nothing failed.
    if (stopping) return;
    logger.error({ err: error }, "the platform did not come up");
    stopAll(1);
  },
);
