import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { SUBGRAPH_NAMES, type SubgraphName } from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { pgliteExecutor, postgresExecutor } from "../../subgraphs/shared/database";
import { applyPendingMigrations, readMigrations } from "../../subgraphs/shared/migrations";
import { CLUSTER_TEMPLATE_DIR, ensureCluster } from "../../subgraphs/shared/pglite-template";
import { migrationsDirOf } from "../../subgraphs/shared/settings";
import { databaseUrl, withPgClient } from "./pg-session";

/**
 * Migrated template databases, so that a test platform starts on databases
 * that already hold the schema instead of migrating three empty ones.
 *
 * Every platform a suite starts used to copy an empty PGlite cluster and run
 * every migration in it (WebAssembly, one thread: about 1 s a subgraph), or
 * run them on three new server databases. The subgraphs still run their
 * migration applier at start, as in production; it finds nothing pending.
 *
 * - PGlite: one migrated cluster per subgraph, built once and kept in the
 *   temporary directory under a name made of PGlite's version and the
 *   migrations' checksums (a new migration makes new ones), copied per test.
 * - PostgreSQL: three template databases per run, made by Jest's globalSetup
 *   and dropped by its globalTeardown; each test's database is
 *   `CREATE DATABASE … TEMPLATE` of one, or one given back by an earlier
 *   suite and emptied (takeMigratedDatabase, below).
 *
 * The migration tests still start from empty databases (createTestDatabases'
 * default); only platforms ask for migrated ones.
 */

/** Where test PGlite clusters live: tmpfs when the machine has one (a copy takes 0.2 s there, 1.3 s on disk under load). */
export const TEST_DATA_ROOT = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();

const TEMPLATE_PREFIX_ENV = "TEST_POSTGRES_TEMPLATE_PREFIX";
/** Each template's schema (schemaOf), as globalSetup found it: a database given back must still have it to be used again. */
const TEMPLATE_SCHEMAS_ENV = "TEST_POSTGRES_TEMPLATE_SCHEMAS";
const logger = createLogger("test-templates", "silent");

function migrationsHash(name: SubgraphName): string {
  const checksums = readMigrations(migrationsDirOf(name)).map((migration) => `${migration.name}:${migration.checksum}`);
  return crypto.createHash("sha256").update(checksums.join("\n")).digest("hex").slice(0, 16);
}

/** The migrated PGlite cluster of a subgraph (built by `prepareDatabaseTemplates`). */
export function migratedClusterDir(name: SubgraphName): string {
  return path.join(
    TEST_DATA_ROOT,
    "federated-shop-test-templates",
    `${path.basename(CLUSTER_TEMPLATE_DIR)}-${name}-${migrationsHash(name)}`,
  );
}

async function buildMigratedCluster(name: SubgraphName): Promise<void> {
  const finalDir = migratedClusterDir(name);
  if (fs.existsSync(path.join(finalDir, "PG_VERSION"))) return;
  // Built beside its place and renamed into it, so a concurrent run never copies half of one.
  const partialDir = `${finalDir}.partial-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    await ensureCluster(partialDir);
    const db = new PGlite(partialDir);
    try {
      await db.waitReady;
      await applyPendingMigrations(pgliteExecutor(db), migrationsDirOf(name), logger);
    } finally {
      await db.close();
    }
    try {
      fs.renameSync(partialDir, finalDir);
    } catch (error) {
      // Another run published it first: theirs is the same.
      if (!fs.existsSync(path.join(finalDir, "PG_VERSION"))) throw error;
    }
  } finally {
    fs.rmSync(partialDir, { recursive: true, force: true });
  }
}

/** A new PGlite cluster for `name` in `dataDir`: a copy of the migrated one. */
export function copyMigratedCluster(name: SubgraphName, dataDir: string): void {
  const source = migratedClusterDir(name);
  if (!fs.existsSync(path.join(source, "PG_VERSION"))) {
    throw new Error(`${source} is missing: Jest's globalSetup (test/support/global-setup.ts) builds it`);
  }
  fs.cpSync(source, dataDir, { recursive: true });
}

/** The template database of a subgraph on the test server, for this run. */
export function postgresTemplateOf(name: SubgraphName): string {
  const prefix = process.env[TEMPLATE_PREFIX_ENV];
  if (!prefix) throw new Error(`${TEMPLATE_PREFIX_ENV} is not set: Jest's globalSetup (test/support/global-setup.ts) sets it`);
  return `${prefix}_${name}`;
}

/**
 * Migrated server databases are used again. `CREATE DATABASE … TEMPLATE` costs the server about 0.45 s and as much
 * CPU (it writes the 8 MB copy through the WAL), three per platform, some fifty platforms a run. So a suite's
 * database, once its platform has stopped, is emptied (every table but the migrations' truncated, every sequence
 * restarted: as its template was) and put back under a free name; the next suite that needs one takes it by
 * renaming it to its own name, which only one taker can do. A database whose schema no longer is its template's
 * (a suite altered it), or that cannot be emptied, is dropped instead. globalTeardown drops the free ones.
 */
const freePrefixOf = (name: SubgraphName) => `${postgresTemplateOf(name)}_free_`;

/** Creates `database` as a migrated database of `name`: a free one renamed, or a new copy of the template. */
export async function takeMigratedDatabase(admin: pg.Client, name: SubgraphName, database: string): Promise<void> {
  for (const free of await databasesNamed(admin, freePrefixOf(name))) {
    try {
      await admin.query(`ALTER DATABASE "${free}" RENAME TO "${database}"`);
      return;
    } catch (error) {
      // Another worker took it first (3D000: no longer there), or a session is still in it (55006): the next one.
      if (!["3D000", "55006"].includes((error as { code?: string }).code ?? "")) throw error;
    }
  }
  await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${postgresTemplateOf(name)}"`);
}

/** Empties `database` and gives it back for another suite; drops it if it is no longer as its template was. */
export async function giveBackMigratedDatabase(serverUrl: string, name: SubgraphName, database: string): Promise<void> {
  const reusable = await withPgClient(databaseUrl(serverUrl, database), async (client) => {
    // A session the suite left in a transaction would hold TRUNCATE back for good: then it is dropped (FORCE).
    await client.query("SET lock_timeout = '2s'");
    await emptyAsMigrated(client);
    return (await schemaOf(client)) === templateSchemaOf(name);
  }).catch(() => false); // not emptied (a suite broke it, or dropped it itself): dropped below, if it is still there
  await withPgClient(serverUrl, async (admin) => {
    if (reusable) {
      // Waits (up to 5 s, as DROP DATABASE does) for the sessions just ended to leave; if they do not, dropped.
      const free = `${freePrefixOf(name)}${crypto.randomBytes(4).toString("hex")}`;
      const renamed = await admin.query(`ALTER DATABASE "${database}" RENAME TO "${free}"`).then(
        () => true,
        () => false,
      );
      if (renamed) return;
    }
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
}

/** The server's databases whose names start with `prefix`. */
async function databasesNamed(admin: pg.Client, prefix: string): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [
    prefix,
  ]);
  return rows.map((row) => row.datname);
}

/** Every table emptied but the migrations' record, and every sequence back at its start: the template's contents. */
export async function emptyAsMigrated(client: pg.Client): Promise<void> {
  await client.query(`DO $$
    DECLARE tables text;
    BEGIN
      SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') INTO tables
        FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations';
      IF tables IS NOT NULL THEN EXECUTE 'TRUNCATE ' || tables || ' CASCADE'; END IF;
      PERFORM setval(format('%I.%I', schemaname, sequencename), start_value, false)
        FROM pg_sequences WHERE schemaname = 'public';
    END $$`);
}

/** A digest of a database's schema: columns, indexes, constraints, triggers, functions, enums and applied migrations. */
export async function schemaOf(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ schema: string }>(`
    SELECT md5(string_agg(line, E'\n' ORDER BY line)) AS schema FROM (
      SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default) AS line
        FROM information_schema.columns WHERE table_schema = 'public'
      UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL SELECT format('constraint %s %s', conrelid::regclass, pg_get_constraintdef(oid))
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
      UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
      UNION ALL SELECT 'function ' || pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
      UNION ALL SELECT format('enum %s %s', t.typname, e.enumlabel) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
      UNION ALL SELECT format('migration %s %s %s', migration_name, checksum, finished_at IS NOT NULL)
        FROM "_prisma_migrations"
    ) AS lines`);
  return rows[0].schema;
}

/** The schema of this run's template of `name` (schemaOf), as globalSetup found it. */
export function templateSchemaOf(name: SubgraphName): string {
  const schemas = process.env[TEMPLATE_SCHEMAS_ENV];
  if (!schemas) throw new Error(`${TEMPLATE_SCHEMAS_ENV} is not set: Jest's globalSetup (test/support/global-setup.ts) sets it`);
  return (JSON.parse(schemas) as Record<SubgraphName, string>)[name];
}

/**
 * For Jest's globalSetup: builds what is missing of the migrated PGlite
 * clusters and creates this run's migrated template databases on the server.
 * Answers how to drop the latter.
 */
export async function prepareDatabaseTemplates(serverUrl: string): Promise<() => Promise<void>> {
  const prefix = `shop_template_${crypto.randomBytes(4).toString("hex")}`;
  process.env[TEMPLATE_PREFIX_ENV] = prefix;
  fs.mkdirSync(path.dirname(migratedClusterDir("users")), { recursive: true });
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // The templates, and the databases given back (their names start with the templates').
  const drop = () =>
    withPgClient(serverUrl, async (client) => {
      for (const database of await databasesNamed(client, `${prefix}_`)) {
        await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      }
    });
  const schemas: Partial<Record<SubgraphName, string>> = {};
  try {
    const onServer = Promise.all(
      SUBGRAPH_NAMES.map(async (name) => {
        await admin.query(`CREATE DATABASE "${prefix}_${name}"`);
        // Its session closed by withPgClient: a template must have none open while it is copied.
        await withPgClient(databaseUrl(serverUrl, `${prefix}_${name}`), async (client) => {
          await applyPendingMigrations(postgresExecutor(client), migrationsDirOf(name), logger);
          schemas[name] = await schemaOf(client);
        });
      }),
    );
    // PGlite's WebAssembly runs one at a time in this process anyway.
    for (const name of SUBGRAPH_NAMES) await buildMigratedCluster(name);
    await onServer;
    process.env[TEMPLATE_SCHEMAS_ENV] = JSON.stringify(schemas);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  } finally {
    await admin.end();
  }
  return drop;
}
