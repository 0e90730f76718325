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
 *   `CREATE DATABASE … TEMPLATE` of one (a file copy on the server).
 *
 * The migration tests still start from empty databases (createTestDatabases'
 * default); only platforms ask for migrated ones.
 */

/** Where test PGlite clusters live: tmpfs when the machine has one (a copy takes 0.2 s there, 1.3 s on disk under load). */
export const TEST_DATA_ROOT = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();

const TEMPLATE_PREFIX_ENV = "TEST_POSTGRES_TEMPLATE_PREFIX";
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

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
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
  const drop = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      for (const name of SUBGRAPH_NAMES) await client.query(`DROP DATABASE IF EXISTS "${prefix}_${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  try {
    const onServer = Promise.all(
      SUBGRAPH_NAMES.map(async (name) => {
        await admin.query(`CREATE DATABASE "${prefix}_${name}"`);
        const client = new pg.Client({ connectionString: databaseUrl(serverUrl, `${prefix}_${name}`) });
        await client.connect();
        try {
          await applyPendingMigrations(postgresExecutor(client), migrationsDirOf(name), logger);
        } finally {
          // A template must have no session open while it is copied.
          await client.end();
        }
      }),
    );
    // PGlite's WebAssembly runs one at a time in this process anyway.
    for (const name of SUBGRAPH_NAMES) await buildMigratedCluster(name);
    await onServer;
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  } finally {
    await admin.end();
  }
  return drop;
}
