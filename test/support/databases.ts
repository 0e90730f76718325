import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { readEnv, SUBGRAPH_NAMES, type DatabaseConfig, type SubgraphName } from "../../lib/config";
import { copyMigratedCluster, giveBackMigratedDatabase, takeMigratedDatabase, TEST_DATA_ROOT } from "./database-templates";
import { databaseUrl, withPgClient } from "./pg-session";

/**
 * The two database backends every end-to-end suite runs on: embedded PGlite,
 * and the PostgreSQL server at TEST_POSTGRES_URL (which Jest's globalSetup sets:
 * see postgres-server.ts). On the
 * server each run creates databases with a random name and drops them after
 * (or empties them for the next suite: database-templates.ts), so parallel
 * runs never see each other.
 */
export type Backend = "pglite" | "postgres";
export const BACKENDS: Backend[] = ["pglite", "postgres"];

function serverUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) throw new Error("TEST_POSTGRES_URL is not set: run the tests through Jest, whose globalSetup provides the server");
  return url;
}

export interface TestDatabases {
  configs: Record<SubgraphName, DatabaseConfig>;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Start from copies of this run's migrated templates (database-templates.ts) rather than empty databases: what
   * a platform needs, and much cheaper than migrating three empty ones. The migration tests leave it off; a list
   * migrates those subgraphs' only (create-admin starts on an empty users database).
   */
  migrated?: boolean | readonly SubgraphName[];
}

/**
 * Fresh databases for the three subgraphs, empty unless `migrated`. PGlite
 * ones live in a temporary directory (so a restart can reopen them); server
 * ones are new databases on the server.
 */
export async function createTestDatabases(backend: Backend, options: TestDatabaseOptions = {}): Promise<TestDatabases> {
  const migrated = (name: SubgraphName) =>
    options.migrated === true || (Array.isArray(options.migrated) && options.migrated.includes(name));
  if (backend === "pglite") {
    const dir = fs.mkdtempSync(path.join(TEST_DATA_ROOT, "shop-test-"));
    const configs = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, { kind: "pglite", dataDir: path.join(dir, name) }]));
    for (const name of SUBGRAPH_NAMES.filter(migrated)) copyMigratedCluster(name, path.join(dir, name));
    return {
      configs: configs as Record<SubgraphName, DatabaseConfig>,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const prefix = `shop_test_${crypto.randomBytes(4).toString("hex")}`;
  await withPgClient(serverUrl(), async (admin) => {
    for (const name of SUBGRAPH_NAMES) {
      if (migrated(name)) await takeMigratedDatabase(admin, name, `${prefix}_${name}`);
      else await admin.query(`CREATE DATABASE "${prefix}_${name}"`);
    }
  });
  const configs = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [
      name,
      { kind: "postgres", url: databaseUrl(serverUrl(), `${prefix}_${name}`), poolSize: readEnv({}).DATABASE_POOL_SIZE },
    ]),
  );
  return {
    configs: configs as Record<SubgraphName, DatabaseConfig>,
    drop: async () => {
      // One connection each: the three drops (each waits for the server's checkpoint) overlap. Migrated ones are
      // emptied and kept for the next suite instead (database-templates.ts).
      await Promise.all(
        SUBGRAPH_NAMES.map(async (name) => {
          if (migrated(name)) return giveBackMigratedDatabase(serverUrl(), name, `${prefix}_${name}`);
          await withPgClient(serverUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${prefix}_${name}" WITH (FORCE)`));
        }),
      );
    },
  };
}
