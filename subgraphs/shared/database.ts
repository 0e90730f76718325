import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { DatabaseConfig } from "../../lib/config";
import type { Logger } from "../../lib/logger";
import type { ServiceMetrics } from "../../lib/observability/metrics";
import { applyPendingMigrations, type SqlExecutor } from "./migrations";

/**
 * Opens a subgraph's database: picks the driver adapter (PostgreSQL server or
 * embedded PGlite), applies pending migrations, and creates the Prisma client.
 * Written once, used by all three subgraphs.
 */

/** The slice of a generated PrismaClient this module needs. */
export interface PrismaLike {
  $disconnect(): Promise<void>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $on(event: "query", listener: (event: { query: string; duration: number }) => void): void;
}

export interface Database<Client extends PrismaLike> {
  prisma: Client;
  /** SQL statements sent so far (excluding transaction control); for tests and metrics. */
  statementCount(): number;
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions<Client extends PrismaLike> {
  config: DatabaseConfig;
  migrationsDir: string;
  logger: Logger;
  /** Query latency and, on PostgreSQL, the connection pool's use are recorded here. */
  metrics: ServiceMetrics;
  /** `(adapter) => new PrismaClient({ adapter, log: QUERY_EVENTS })` from the subgraph's generated client. */
  createClient(adapter: SqlDriverAdapterFactory): Client;
}

/** Pass as `log` to PrismaClient so that statements can be counted. */
export const QUERY_EVENTS = [{ emit: "event", level: "query" }] as const;

export async function openDatabase<Client extends PrismaLike>(options: OpenDatabaseOptions<Client>): Promise<Database<Client>> {
  const { config, migrationsDir, logger, metrics } = options;
  let adapter: SqlDriverAdapterFactory;
  let closeDriver: () => Promise<void>;

  if (config.kind === "postgres") {
    const migrationClient = new pg.Client({ connectionString: config.url });
    await migrationClient.connect();
    try {
      await applyPendingMigrations(postgresExecutor(migrationClient), migrationsDir, logger);
    } finally {
      await migrationClient.end();
    }
    // Our own pool (PrismaPg would make one too) so that its use can be watched.
    const pool = new pg.Pool({ connectionString: config.url });
    metrics.gauge("db_pool_connections", "Database connections of the pool, by state", ["state"], (gauge) => {
      gauge.set({ state: "total" }, pool.totalCount);
      gauge.set({ state: "idle" }, pool.idleCount);
      gauge.set({ state: "waiting" }, pool.waitingCount);
    });
    adapter = new PrismaPg(pool);
    closeDriver = () => pool.end();
  } else {
    if (config.dataDir) fs.mkdirSync(config.dataDir, { recursive: true });
    const pglite = new PGlite(config.dataDir);
    await pglite.waitReady;
    await applyPendingMigrations(pgliteExecutor(pglite), migrationsDir, logger);
    adapter = new PrismaPGlite(pglite);
    closeDriver = () => pglite.close();
  }

  const prisma = options.createClient(adapter);
  let statements = 0;
  const queryDuration = metrics.histogram("db_query_duration_seconds", "Time the database took to answer a statement");
  prisma.$on("query", (event) => {
    queryDuration.observe(event.duration / 1000);
    if (!/^\s*(--|BEGIN|COMMIT|ROLLBACK)/i.test(event.query)) statements += 1;
  });

  return {
    prisma,
    statementCount: () => statements,
    isHealthy: async () => {
      try {
        await prisma.$queryRawUnsafe("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

export function postgresExecutor(client: pg.Client): SqlExecutor {
  return {
    query: async (sql, params) => (await client.query(sql, params)).rows,
    exec: async (script) => {
      await client.query(script);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await db.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
  };
}
