import { PrismaClient } from "../../../prisma/users/generated/client/client";
import type { DatabaseConfig } from "../../../lib/config";
import type { Logger } from "../../../lib/logger";
import type { ServiceMetrics } from "../../../lib/observability/metrics";
import { openDatabase, type Database } from "../../shared/database";
import { migrationsDirOf } from "../../shared/settings";

export type UsersPrisma = PrismaClient;
export type UsersDatabase = Database<UsersPrisma>;

/** The users subgraph's one Prisma client. */
export function openUsersDatabase(config: DatabaseConfig, logger: Logger, metrics: ServiceMetrics): Promise<UsersDatabase> {
  return openDatabase({
    config,
    logger,
    metrics,
    migrationsDir: migrationsDirOf("users"),
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
}
