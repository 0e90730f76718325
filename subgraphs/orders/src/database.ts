import { PrismaClient } from "../../../prisma/orders/generated/client/client";
import type { DatabaseConfig } from "../../../lib/config";
import type { Logger } from "../../../lib/logger";
import type { ServiceMetrics } from "../../../lib/observability/metrics";
import { openDatabase, type Database } from "../../shared/database";
import { migrationsDirOf } from "../../shared/settings";

export type OrdersPrisma = PrismaClient;
export type OrdersDatabase = Database<OrdersPrisma>;

/** The orders subgraph's one Prisma client. */
export function openOrdersDatabase(config: DatabaseConfig, logger: Logger, metrics: ServiceMetrics): Promise<OrdersDatabase> {
  return openDatabase({
    config,
    logger,
    metrics,
    migrationsDir: migrationsDirOf("orders"),
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
}
