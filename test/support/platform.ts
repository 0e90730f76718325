import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import type { DatabaseConfig, SubgraphName } from "../../lib/config";
import { createLogger, type Logger } from "../../lib/logger";
import type { PlatformSecrets } from "../../lib/secrets";
import { startGateway } from "../../gateway/src/gateway";
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
  /** A GraphQL client on the gateway, optionally with a bearer token. */
  client(token?: string): GraphQLClient;
  stop(): Promise<void>;
}

/** Each service's logger; by default one quiet logger for all (LOG_LEVEL=debug shows them). */
export type ServiceLoggers = (service: string) => Logger;

export async function startTestPlatform(
  databases: Record<SubgraphName, DatabaseConfig>,
  secrets: PlatformSecrets = { jwtSecret: randomSecret(), serviceToken: randomSecret() },
  loggers: ServiceLoggers = () => createLogger("test", process.env.LOG_LEVEL ?? "silent"),
): Promise<TestPlatform> {
  const settings = (name: SubgraphName, subgraphUrls: Record<SubgraphName, string>): SubgraphSettings => ({
    port: 0,
    host: "127.0.0.1",
    database: databases[name],
    secrets,
    logger: loggers(`${name}-subgraph`),
    subgraphUrls,
  });
  const noUrls = { users: "", products: "", orders: "" };
  const [users, products] = await Promise.all([
    startUsersSubgraph(settings("users", noUrls)),
    startProductsSubgraph(settings("products", noUrls)),
  ]);
  const urls = { users: `${users.url}/graphql`, products: `${products.url}/graphql`, orders: "" };
  // Tests run the reservation sweep themselves, when they want it.
  const orders = await startOrdersSubgraph(settings("orders", urls), "off");
  urls.orders = `${orders.url}/graphql`;
  const gateway = await startGateway({
    port: 0,
    host: "127.0.0.1",
    subgraphUrls: urls,
    supergraphSdl: readSupergraph(),
    jwtSecret: secrets.jwtSecret,
    maxQueryDepth: 12,
    logger: loggers("gateway"),
  });
  const gatewayUrl = `${gateway.url}/graphql`;
  return {
    gatewayUrl,
    gateway,
    subgraphs: { users, products, orders },
    secrets,
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
