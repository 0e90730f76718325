import fs from "node:fs";
import { gql } from "graphql-tag";
import { observeBreakers } from "../../../lib/circuit-breaker";
import type { RunningServer } from "../../../lib/http-server";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { connectRedis } from "../../../lib/rate-limit";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import type { ProductsContext } from "./context";
import { openProductsDatabase, type ProductsDatabase } from "./database";
import { CatalogueChanges } from "./catalogue-changes";
import { ProductCache } from "./product-cache";
import { ProductService } from "./product.service";
import { resolvers } from "./resolvers";
import { StockService } from "./stock.service";

export const productsTypeDefs = gql(fs.readFileSync(schemaFileOf("products"), "utf8"));

export interface ProductsSubgraph extends RunningServer {
  database: ProductsDatabase;
}

export async function startProductsSubgraph(settings: SubgraphSettings): Promise<ProductsSubgraph> {
  const metrics = new ServiceMetrics("products-subgraph", settings.metrics);
  const database = await openProductsDatabase(settings.database, settings.logger, metrics);
  const { redisUrl, redisKeyPrefix } = settings.security;
  // A slow Redis must cost a request little: past this the cache is bypassed.
  const redis = redisUrl
    ? connectRedis(redisUrl, settings.logger, { whileDown: "product reads go to the database", commandTimeoutMs: 500 })
    : undefined;
  const cache = redis
    ? new ProductCache({
        redis,
        keyPrefix: redisKeyPrefix,
        ttlSeconds: settings.productsCacheTtlSeconds,
        // Skipped from the first failure on: without it a read costs one primary-key statement, with a slow Redis
        // the command timeout more. The cooldown is the platform's (CIRCUIT_BREAKER_COOLDOWN_MS).
        breaker: { failureThreshold: 1, cooldownMs: settings.circuitBreaker.cooldownMs },
        logger: settings.logger,
        metrics,
      })
    : undefined;
  if (cache) observeBreakers(metrics, { redis: cache.breaker });
  const changes = new CatalogueChanges(cache);
  const stock = new StockService(database.prisma, changes);
  const server = await startSubgraph<ProductsContext>({
    name: "products",
    typeDefs: productsTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({ ...identity, products: new ProductService(database.prisma, changes, cache), stock }),
    isHealthy: database.isHealthy,
    onStop: async () => {
      redis?.disconnect();
      await database.close();
    },
  });
  return { ...server, database };
}
