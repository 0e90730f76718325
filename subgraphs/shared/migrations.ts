import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../../lib/logger";

/**
 * Applies the pending migrations of prisma/<service>/migrations at start-up.
 *
 * Why this exists: `prisma migrate deploy` needs Prisma's schema-engine binary,
 * which is downloaded on first use and cannot be fetched on every machine (and
 * has no build for the in-process PGlite database at all). So the services
 * apply migrations themselves, keeping Prisma's own bookkeeping: the same
 * `_prisma_migrations` table, the same SHA-256 checksum of migration.sql, the
 * same advisory lock. Either path can therefore be used on one database; each
 * sees what the other applied.
 *
 * Unlike Prisma, each migration runs in a transaction with its bookkeeping row,
 * so a failed migration leaves nothing half-applied behind.
 */

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
}

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

/** Prisma's lock id for migrations (see prisma-engines, `advisory_lock`). */
const PRISMA_MIGRATION_LOCK_ID = 72707369;

// The table exactly as Prisma's schema engine creates it.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export function readMigrations(migrationsDir: string): MigrationFile[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const script = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, script, checksum: crypto.createHash("sha256").update(script).digest("hex") };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies what is missing; returns the names it applied. */
export async function applyPendingMigrations(db: SqlExecutor, migrationsDir: string, logger: Logger): Promise<string[]> {
  const migrations = readMigrations(migrationsDir);
  // Lock first: two services starting at once must not both create the table or apply a migration.
  await db.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_ID]);
  try {
    await db.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await db.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier and is not resolved; fix the database, then run \`prisma migrate resolve\`.`,
      );
    }
    const applied = new Map(rows.filter((row) => row.rolled_back_at === null).map((row) => [row.migration_name, row]));
    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      const existing = applied.get(migration.name);
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          logger.warn({ migration: migration.name }, "migration.sql was edited after it was applied");
        }
        continue;
      }
      await applyOne(db, migration);
      newlyApplied.push(migration.name);
      logger.info({ migration: migration.name }, "applied migration");
    }
    return newlyApplied;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK_ID]);
  }
}

async function applyOne(db: SqlExecutor, migration: MigrationFile): Promise<void> {
  const startedAt = new Date();
  await db.exec("BEGIN");
  try {
    await db.exec(migration.script);
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, $4, 1)`,
      [crypto.randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await db.exec("COMMIT");
  } catch (error) {
    await db.exec("ROLLBACK");
    throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
  }
}
