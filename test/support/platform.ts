import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import {
  circuitBreakerSettingsOf,
  introspectionEnabled,
  readEnv,
  securitySettingsOf,
  type AuthMode,
  type DatabaseConfig,
  type SubgraphName,
} from "../../lib/config";
import { createLogger, type Logger } from "../../lib/logger";
import type { PlatformSecrets } from "../../lib/secrets";
import { startGateway, type GatewaySettings } from "../../gateway/src/gateway";
import { readSupergraph } from "../../gateway/src/supergraph";
import type { SubgraphSettings } from "../../subgraphs/shared/settings";
import { startOrdersSubgraph, type OrdersSubgraph } from "../../subgraphs/orders/src/server";
import { startProductsSubgraph, type ProductsSubgraph } from "../../subgraphs/products/src/server";
import { startUsersSubgraph, type UsersSubgraph } from "../../subgraphs/users/src/server";
import type { RunningServer } from "../../lib/http-server";

/**
 * The whole platform for a test: the three real subgraphs and the real
 * gateway over the committed supergraph, each on its own HTTP port chosen by
 * the OS, talking real HTTP to each other.
 */
export interface TestPlatform {
  gatewayUrl: string;
  subgraphs: { users: UsersSubgraph; products: ProductsSubgraph; orders: OrdersSubgraph };
  gateway: RunningServer;
  secrets: PlatformSecrets;
  authMode: AuthMode;
  /** A GraphQL client on the gateway, optionally with a bearer token. */
  client(token?: string): GraphQLClient;
  stop(): Promise<void>;
}

/** Each service's logger; by default one quiet logger for all (LOG_LEVEL=debug shows them). */
export type ServiceLoggers = (service: string) => Logger;

export interface TestPlatformOptions {
  secrets?: PlatformSecrets;
  /** open (the development default, and the default here) or enforced. */
  authMode?: AuthMode;
  /** Further settings as environment variables (LOGIN_FAILURES_PER_ACCOUNT …), read by lib/config.ts as in production. */
  env?: Record<string, string>;
  /** Gateway settings that differ from the platform's defaults (limits, rate limits, Redis …). */
  gateway?: Partial<GatewaySettings>;
  /** The gateway's wait for a subgraph (default 10 s, as configured by default). */
  subgraphTimeoutMs?: number;
  /** A service's wait for another (default 3 s). */
  serviceCallTimeoutMs?: number;
  /** Puts something (a fault-injecting proxy) between orders and products: given products' URL, the URL orders should use. */
  ordersReachProductsAt?(productsUrl: string): Promise<string> | string;
  /** Each service's logger (the observability tests read them). */
  loggers?: ServiceLoggers;
}

export async function startTestPlatform(
  databases: Record<SubgraphName, DatabaseConfig>,
  options: TestPlatformOptions = {},
): Promise<TestPlatform> {
  const secrets = options.secrets ?? { jwtSecret: randomSecret(), serviceToken: randomSecret() };
  // bcrypt's least accepted cost keeps the suites fast; production's default is 12.
  const platformEnv = readEnv({ BCRYPT_COST: "10", AUTH_MODE: options.authMode ?? "open", ...options.env });
  const security = securitySettingsOf(platformEnv);
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
    circuitBreaker: circuitBreakerSettingsOf(platformEnv),
  });
  const noUrls = { users: "", products: "", orders: "" };
  const [users, products] = await Promise.all([
    startUsersSubgraph(settings("users", noUrls)),
    startProductsSubgraph(settings("products", noUrls)),
  ]);
  const urls = { users: `${users.url}/graphql`, products: `${products.url}/graphql`, orders: "" };
  const productsForOrders = options.ordersReachProductsAt ? await options.ordersReachProductsAt(urls.products) : urls.products;
  // Tests run the recovery worker themselves, when they want it.
  const orders = await startOrdersSubgraph(settings("orders", { ...urls, products: productsForOrders }), {
    recoveryIntervalSeconds: "off",
    idempotencyRetentionHours: 24,
  });
  urls.orders = `${orders.url}/graphql`;
  const gateway = await startGateway({
    port: 0,
    host: "127.0.0.1",
    subgraphUrls: urls,
    supergraphSdl: readSupergraph(),
    jwtSecret: secrets.jwtSecret,
    serviceToken: secrets.serviceToken,
    authMode: security.authMode,
    subgraphTimeoutMs: options.subgraphTimeoutMs ?? 10_000,
    circuitBreaker: circuitBreakerSettingsOf(platformEnv),
    // As the platform decides from AUTH_MODE; every test client shares one address, so the per-client limit is out of the way.
    introspection: introspectionEnabled(platformEnv),
    rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 },
    logger: loggers("gateway"),
    ...options.gateway,
  });
  const gatewayUrl = `${gateway.url}/graphql`;
  return {
    gatewayUrl,
    gateway,
    subgraphs: { users, products, orders },
    secrets,
    authMode: security.authMode,
    client: (token) => new GraphQLClient(gatewayUrl, token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    stop: async () => {
      await gateway.close();
      await Promise.all([users, products, orders].map((subgraph) => subgraph.close().catch(() => undefined)));
    },
  };
}

function randomSecret(): string {
  return crypto.randomBytes(24).toString("hex");
}
