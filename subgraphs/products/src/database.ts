import { PrismaClient } from "../../../prisma/products/generated/client/client";
import type { DatabaseConfig } from "../../../lib/config";
import type { Logger } from "../../../lib/logger";
import type { ServiceMetrics } from "../../../lib/observability/metrics";
import { openDatabase, type Database } from "../../shared/database";
import { migrationsDirOf } from "../../shared/settings";

export type ProductsPrisma = PrismaClient;
export type ProductsDatabase = Database<ProductsPrisma>;

/** The products subgraph's one Prisma client. */
export function openProductsDatabase(config: DatabaseConfig, logger: Logger, metrics: ServiceMetrics): Promise<ProductsDatabase> {
  return openDatabase({
    config,
    logger,
    metrics,
    migrationsDir: migrationsDirOf("products"),
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
}
