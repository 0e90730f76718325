import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import {
  circuitBreakerSettingsOf,
  introspectionEnabled,
  mailSettingsOf,
  metricsSettingsOf,
  readEnv,
  securitySettingsOf,
  type AuthMode,
  type DatabaseConfig,
  type SubgraphName,
} from "../../lib/config";
import { createLogger, type Logger } from "../../lib/logger";
import type { PlatformSecrets } from "../../lib/secrets";
import { startGateway, type GatewaySettings, type RunningGateway } from "../../gateway/src/gateway";
import { readSupergraph } from "../../gateway/src/supergraph";
import type { SubgraphSettings } from "../../subgraphs/shared/settings";
import { ordersOptionsOf, startOrdersSubgraph, type OrdersSubgraph } from "../../subgraphs/orders/src/server";
import { startProductsSubgraph, type ProductsSubgraph } from "../../subgraphs/products/src/server";
import { startUsersSubgraph, type UsersSubgraph } from "../../subgraphs/users/src/server";
import type { RunningServer } from "../../lib/http-server";
import { connectRedis } from "../../lib/rate-limit";
import { startRoundRobin, type RoundRobin } from "./round-robin";

/**
 * The whole platform for a test: the three real subgraphs and the real
 * gateway over the committed supergraph, each on its own HTTP port chosen by
 * the OS, talking real HTTP to each other.
 *
 * With `replicas: n`, n of each (n gateways, n of each subgraph on the same
 * databases and Redis); each subgraph's replicas sit behind one round-robin
 * forwarder that every gateway and orders use, so every replica gets traffic.
 * `gateway`, `gatewayUrl`, `subgraphs` and `client` are the first replica's.
 */
export interface TestPlatform {
  gatewayUrl: string;
  subgraphs: { users: UsersSubgraph; products: ProductsSubgraph; orders: OrdersSubgraph };
  gateway: RunningGateway;
  secrets: PlatformSecrets;
  authMode: AuthMode;
  /** A GraphQL client on the gateway, optionally with a bearer token. */
  client(token?: string): GraphQLClient;
  /** Every replica (one each unless `replicas` was given), and the forwarders in front of each subgraph's. */
  replicas: {
    gateways: RunningGateway[];
    gatewayUrls: string[];
    users: UsersSubgraph[];
    products: ProductsSubgraph[];
    orders: OrdersSubgraph[];
    /** Only with more than one replica: the round-robin in front of each subgraph's replicas. */
    balancers?: Record<SubgraphName, RoundRobin>;
  };
  stop(): Promise<void>;
}

/** Each service's logger; by default one quiet logger for all (LOG_LEVEL=debug shows them). */
export type ServiceLoggers = (service: string) => Logger;

export interface TestPlatformOptions {
  secrets?: PlatformSecrets;
  /** open (the development default, and the default here) or enforced. */
  authMode?: AuthMode;
  /**
   * Further settings as environment variables (LOGIN_FAILURES_PER_ACCOUNT, REDIS_URL, REDIS_KEY_PREFIX …),
   * read by lib/config.ts as in production. With REDIS_URL the gateways share their rate limits there.
   */
  env?: Record<string, string>;
  /** Gateway settings that differ from the platform's defaults (limits, rate limits, Redis …). */
  gateway?: Partial<GatewaySettings>;
  /** A service's wait for another (default 3 s). */
  serviceCallTimeoutMs?: number;
  /** Puts something (a fault-injecting proxy) between orders and products: given products' URL, the URL orders should use. */
  ordersReachProductsAt?(productsUrl: string): Promise<string> | string;
  /** Each service's logger (the observability tests read them). */
  loggers?: ServiceLoggers;
  /** How many of each service to run (default 1). */
  replicas?: number;
  /** The users subgraph's clock for emailed tokens (account emails' expiry tests move it). */
  usersClock?: () => Date;
}

// Waits longer than production's, for a busy CI machine (three suites at once on two cores), where they are not
// what a suite tests:
// - a hash's wait for a bcrypt thread (production: 3 s); the threads run at a lower priority than everything else
//   in a test run (users-hashing-stall tests the bound);
// - a health check's wait for a database or a subgraph (production: 1 s); a fuzz flood's /health answered 503 for
//   a database that was only slow (health.e2e sets its own bound);
// - the gateway's wait for a subgraph (production: 10 s), kept above the hash's, as lib/config.ts requires; with
//   10 s, a queued cost-12 registration of users-hashing-stall answered SERVICE_UNAVAILABLE, not the wait it was given.
export const BUSY_MACHINE_WAITS = {
  BCRYPT_MAX_WAIT_MS: "60000",
  SUBGRAPH_TIMEOUT_MS: "70000",
  HEALTH_CHECK_TIMEOUT_MS: "10000",
};

/** bcrypt's least cost (bcryptjs accepts 4 to 31), for the suites whose subject is not the hashing. */
const TEST_BCRYPT_COST = 4;

export async function startTestPlatform(
  databases: Record<SubgraphName, DatabaseConfig>,
  options: TestPlatformOptions = {},
): Promise<TestPlatform> {
  const secrets = options.secrets ?? { jwtSecret: randomSecret(), serviceToken: randomSecret() };
  const replicaCount = options.replicas ?? 1;
  // Account emails without SMTP_URL are written under DATA_DIR/mail: a temporary folder of this platform's, removed at stop.
  const dataDir = options.env?.DATA_DIR ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "shop-test-data-"));
  const platformEnv = readEnv({
    ...BUSY_MACHINE_WAITS,
    AUTH_MODE: options.authMode ?? "open",
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
    ...options.env,
  });
  // bcrypt's least cost, 4, unless a suite sets BCRYPT_COST: at production's least (10) a hash took 75 ms of CPU in
  // bcryptjs, and most suites register and sign in. The suites about hashing's cost and its timing (auth-tokens,
  // account-emails-privacy, users-hashing-stall) set 10 or more; BCRYPT_COST itself refuses less than 10.
  const security = { ...securitySettingsOf(platformEnv), ...(options.env?.BCRYPT_COST ? {} : { bcryptCost: TEST_BCRYPT_COST }) };
  const loggers: ServiceLoggers = options.loggers ?? (() => createLogger("test", process.env.LOG_LEVEL ?? "silent"));
  const settings = (name: SubgraphName, subgraphUrls: Record<SubgraphName, string>): SubgraphSettings => ({
    port: 0,
    host: "127.0.0.1",
    database: databases[name],
    secrets,
    security,
    logger: loggers(`${name}-subgraph`),
    subgraphUrls,
    serviceCallTimeoutMs: options.serviceCallTimeoutMs ?? 3000,
    healthCheckTimeoutMs: platformEnv.HEALTH_CHECK_TIMEOUT_MS,
    productsCacheTtlSeconds: platformEnv.PRODUCTS_CACHE_TTL_SECONDS,
    circuitBreaker: circuitBreakerSettingsOf(platformEnv),
    // METRICS_PORT=0 and the like in `env`: each process's own metrics listener, on a port the OS picks.
    metrics: metricsSettingsOf(name, platformEnv),
    mail: mailSettingsOf(platformEnv),
  });
  const started: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(service: T): T => (started.push(service), service);
  // The first replica migrates its database; the others start once it has.
  const replicasOf = async <T extends { close(): Promise<void>; url: string }>(start: () => Promise<T>) => {
    const first = track(await start());
    const rest = await Promise.all(Array.from({ length: replicaCount - 1 }, async () => track(await start())));
    return [first, ...rest];
  };
  const balancers: Partial<Record<SubgraphName, RoundRobin>> = {};
  const entryOf = async (name: SubgraphName, replicas: { url: string }[]) => {
    if (replicas.length === 1) return `${replicas[0].url}/graphql`;
    const balancer = track(await startRoundRobin(replicas.map((replica) => replica.url)));
    balancers[name] = balancer;
    return `${balancer.url}/graphql`;
  };

  // What has started so far is stopped again if a later service fails to start, so a failed set-up leaves nothing running.
  let redis: ReturnType<typeof connectRedis> | undefined;
  let gateways: RunningGateway[];
  const startedGateways: RunningGateway[] = [];
  let warmingUp: Promise<unknown> | undefined;
  const keep = (gateway: RunningGateway) => (startedGateways.push(gateway), gateway);
  let users: UsersSubgraph[], products: ProductsSubgraph[], orders: OrdersSubgraph[];
  try {
    const noUrls = { users: "", products: "", orders: "" };
    [users, products] = await Promise.all([
      replicasOf(() => startUsersSubgraph(settings("users", noUrls), { now: options.usersClock })),
      replicasOf(() => startProductsSubgraph(settings("products", noUrls))),
    ]);
    // One hash on each bcrypt thread, while the rest starts: its threads run niced and load slowly on a busy machine,
    // and a suite's first register would otherwise wait for them past the gateway's 10 s (SERVICE_UNAVAILABLE); the
    // suites test registering, not a cold start (users-hashing-stall tests the bounds). Counted in
    // shop_bcrypt_tasks_total{task="hash"}, which the suites read as differences.
    warmingUp = Promise.all(
      users.flatMap((replica) =>
        Array.from({ length: security.hashing.threads }, () => replica.passwords.hash("warm-up password")),
      ),
    );
    const urls = { users: await entryOf("users", users), products: await entryOf("products", products), orders: "" };
    const productsForOrders = options.ordersReachProductsAt ? await options.ordersReachProductsAt(urls.products) : urls.products;
    // Tests run the recovery worker themselves, when they want it.
    orders = await replicasOf(() =>
      startOrdersSubgraph(settings("orders", { ...urls, products: productsForOrders }), {
        ...ordersOptionsOf(platformEnv),
        recoveryIntervalSeconds: "off",
      }),
    );
    urls.orders = await entryOf("orders", orders);
    redis = platformEnv.REDIS_URL ? connectRedis(platformEnv.REDIS_URL, loggers("gateway")) : undefined;
    gateways = await Promise.all(
      Array.from({ length: replicaCount }, async () =>
        keep(
          await startGateway({
            port: 0,
            host: "127.0.0.1",
            subgraphUrls: urls,
            supergraphSdl: readSupergraph(),
            jwtSecret: secrets.jwtSecret,
            serviceToken: secrets.serviceToken,
            authMode: security.authMode,
            subgraphTimeoutMs: platformEnv.SUBGRAPH_TIMEOUT_MS,
            healthCheckTimeoutMs: platformEnv.HEALTH_CHECK_TIMEOUT_MS,
            accountCacheTtlSeconds: platformEnv.ACCOUNT_CACHE_TTL_SECONDS,
            circuitBreaker: circuitBreakerSettingsOf(platformEnv),
            // As the platform decides from AUTH_MODE; every test client shares one address, so the per-client limit is out of the way.
            introspection: introspectionEnabled(platformEnv),
            rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 },
            logger: loggers("gateway"),
            redis,
            redisKeyPrefix: platformEnv.REDIS_KEY_PREFIX,
            metrics: metricsSettingsOf("gateway", platformEnv),
            ...options.gateway,
          }),
        ),
      ),
    );
    await warmingUp;
  } catch (error) {
    await warmingUp?.catch(() => undefined);
    await Promise.all(startedGateways.map((gateway) => gateway.close().catch(() => undefined)));
    await Promise.all(started.map((service) => service.close().catch(() => undefined)));
    redis?.disconnect();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const gatewayUrls = gateways.map((gateway) => `${gateway.url}/graphql`);
  const gatewayUrl = gatewayUrls[0];
  return {
    gatewayUrl,
    gateway: gateways[0],
    subgraphs: { users: users[0], products: products[0], orders: orders[0] },
    replicas: {
      gateways,
      gatewayUrls,
      users,
      products,
      orders,
      balancers: replicaCount > 1 ? (balancers as Record<SubgraphName, RoundRobin>) : undefined,
    },
    secrets,
    authMode: security.authMode,
    client: (token) => new GraphQLClient(gatewayUrl, token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    stop: async () => {
      await Promise.all(gateways.map((gateway) => gateway.close()));
      await Promise.all(started.map((service) => service.close().catch(() => undefined)));
      redis?.disconnect();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One more gateway over a running platform's subgraphs, its secrets and auth
 * mode, with settings of its own: a subgraph reached through a fault proxy, a
 * short timeout, a circuit breaker. The caller closes it.
 */
export function startGatewayBeside(
  platform: TestPlatform,
  settings: Partial<Omit<GatewaySettings, "subgraphUrls">> & {
    subgraphTimeoutMs: number;
    subgraphUrls?: Partial<Record<SubgraphName, string>>;
  },
): Promise<RunningServer> {
  const { subgraphs } = platform;
  return startGateway({
    port: 0,
    host: "127.0.0.1",
    supergraphSdl: readSupergraph(),
    jwtSecret: platform.secrets.jwtSecret,
    serviceToken: platform.secrets.serviceToken,
    authMode: platform.authMode,
    logger: createLogger("test", process.env.LOG_LEVEL ?? "silent"),
    ...settings,
    subgraphUrls: {
      users: `${subgraphs.users.url}/graphql`,
      products: `${subgraphs.products.url}/graphql`,
      orders: `${subgraphs.orders.url}/graphql`,
      ...settings.subgraphUrls,
    },
  });
}

function randomSecret(): string {
  return crypto.randomBytes(24).toString("hex");
}
