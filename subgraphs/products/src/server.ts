import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import type { ProductsContext } from "./context";
import { openProductsDatabase, type ProductsDatabase } from "./database";
import { ProductService } from "./product.service";
import { resolvers } from "./resolvers";
import { StockService } from "./stock.service";

export const productsTypeDefs = gql(fs.readFileSync(schemaFileOf("products"), "utf8"));

export interface ProductsSubgraph extends RunningServer {
  database: ProductsDatabase;
}

export async function startProductsSubgraph(settings: SubgraphSettings): Promise<ProductsSubgraph> {
  const metrics = new ServiceMetrics("products-subgraph");
  const database = await openProductsDatabase(settings.database, settings.logger, metrics);
  const stock = new StockService(database.prisma);
  const server = await startSubgraph<ProductsContext>({
    name: "products",
    typeDefs: productsTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({ ...identity, products: new ProductService(database.prisma), stock }),
    isHealthy: database.isHealthy,
    onStop: database.close,
  });
  return { ...server, database };
}
