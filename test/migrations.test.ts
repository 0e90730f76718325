import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { createLogger } from "../lib/logger";
import { SUBGRAPH_NAMES, type SubgraphName } from "../lib/config";
import { migrationSourcesOf } from "../scripts/migration-check";
import { deployMigrations, openSchemaEngine } from "../scripts/prisma-schema-engine";
import { pgliteExecutor, postgresExecutor } from "../subgraphs/shared/database";
import { applyPendingMigrations, readMigrations, type SqlExecutor } from "../subgraphs/shared/migrations";
import { openScratchDatabase } from "../subgraphs/shared/pglite-template";
import { migrationsDirOf } from "../subgraphs/shared/settings";
import { catalogDump } from "./support/catalog";
import { BACKENDS, createTestDatabases, type Backend, type TestDatabases } from "./support/databases";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

const logger = createLogger("test", "silent");

/** The folders tempMigrations made, removed after the suite (the run's temporary folders are in memory). */
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempMigrations(migrations: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(migrations)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("the start-up migration applier", () => {
  test.each(SUBGRAPH_NAMES)("applies the %s migrations once, bookkept exactly as prisma migrate deploy does", async (name) => {
    const { db, close } = await openScratchDatabase();
    const dir = migrationsDirOf(name);
    expect(await applyPendingMigrations(pgliteExecutor(db), dir, logger)).toEqual(readMigrations(dir).map((m) => m.name));
    expect(await applyPendingMigrations(pgliteExecutor(db), dir, logger)).toEqual([]);

    const rows = (
      await db.query<any>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations"`,
      )
    ).rows;
    expect(rows).toHaveLength(readMigrations(dir).length);
    for (const row of rows) {
      const sql = fs.readFileSync(path.join(dir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(crypto.createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    expect(fs.readFileSync(path.join(dir, "migration_lock.toml"), "utf8")).toMatch(/provider = "postgresql"/);
    await close();
  });

  test("a failing migration leaves neither its changes nor a record, and later ones wait", async () => {
    const { db, close } = await openScratchDatabase();
    const dir = tempMigrations({
      "20260101000000_good": `CREATE TABLE "kept" (id INT);`,
      "20260102000000_bad": `CREATE TABLE "half" (id INT);\nSELECT no_such_function();`,
      "20260103000000_after": `CREATE TABLE "later" (id INT);`,
    });
    await expect(applyPendingMigrations(pgliteExecutor(db), dir, logger)).rejects.toThrow(/20260102000000_bad failed/);
    const tables = (await db.query<any>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map(
      (r) => r.tablename,
    );
    expect(tables).toEqual(["_prisma_migrations", "kept"]);
    const names = (await db.query<any>(`SELECT migration_name FROM "_prisma_migrations"`)).rows.map((r) => r.migration_name);
    expect(names).toEqual(["20260101000000_good"]);
    await close();
  });

  test("a migration that Prisma recorded as failed stops start-up until it is resolved", async () => {
    const { db, close } = await openScratchDatabase();
    const dir = tempMigrations({ "20260101000000_one": `CREATE TABLE "one" (id INT);` });
    await applyPendingMigrations(pgliteExecutor(db), dir, logger);
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ('x', 'y', '20260102000000_broken', now())`,
    );
    await expect(applyPendingMigrations(pgliteExecutor(db), dir, logger)).rejects.toThrow(/20260102000000_broken failed earlier/);
    await close();
  });

  test("on a PostgreSQL server, two services starting at once apply each migration exactly once", async () => {
    const databases = await createTestDatabases("postgres");
    const url = (databases.configs.products as { url: string }).url;
    const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    try {
      await Promise.all(clients.map((client) => client.connect()));
      const dir = migrationsDirOf("products");
      const results = await Promise.all(clients.map((client) => applyPendingMigrations(postgresExecutor(client), dir, logger)));
      expect(results.flat().sort()).toEqual(readMigrations(dir).map((m) => m.name));
      const { rows } = await clients[0].query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(rows[0].n).toBe(readMigrations(dir).length);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await databases.drop();
    }
  });
});

/** One scratch database, reachable both as the applier's executor and as a Prisma driver adapter. */
interface ScratchDatabase {
  executor: SqlExecutor;
  adapter: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

async function openScratch(backend: Backend, databases: TestDatabases | undefined, name: SubgraphName): Promise<ScratchDatabase> {
  if (backend === "pglite") {
    const { db, close } = await openScratchDatabase();
    return { executor: pgliteExecutor(db), adapter: new PrismaPGlite(db), close };
  }
  const url = (databases!.configs[name] as { url: string }).url;
  // The applier needs one connection (its transactions); Prisma's adapter takes a pool of its own. Prisma's engine
  // leaves its migration lock (a session advisory lock) to the end of its connection, as the CLI does by exiting:
  // an idle pooled connection is closed at once, or the applier's next turn waited 10 s for pg's idle time-out.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pool = new pg.Pool({ connectionString: url, idleTimeoutMillis: 1 });
  return {
    executor: postgresExecutor(client),
    adapter: new PrismaPg(pool),
    close: async () => {
      await client.end();
      await pool.end();
    },
  };
}

const BOOKKEEPING = `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count, finished_at IS NOT NULL AS finished
                       FROM "_prisma_migrations" ORDER BY migration_name`;

describe.each(BACKENDS)("Prisma's migrate deploy and the start-up applier build the same database (%s)", (backend) => {
  // On the server: one set of databases for Prisma's engine, one for the applier.
  let forPrisma: TestDatabases | undefined;
  let forApplier: TestDatabases | undefined;
  beforeAll(async () => {
    if (backend === "postgres")
      [forPrisma, forApplier] = await Promise.all([createTestDatabases(backend), createTestDatabases(backend)]);
  });
  afterAll(async () => {
    await forPrisma?.drop();
    await forApplier?.drop();
  });

  test.each(SUBGRAPH_NAMES)(
    "%s: same tables, columns, indexes, constraints and _prisma_migrations rows; each sees the other's work",
    async (name) => {
      const { schemaPath, migrationsDir } = migrationSourcesOf(name);
      const everyMigration = readMigrations(migrationsDir).map((migration) => migration.name);
      const byPrisma = await openScratch(backend, forPrisma, name);
      const byApplier = await openScratch(backend, forApplier, name);
      try {
        const engine = await openSchemaEngine(schemaPath, byPrisma.adapter);
        expect(await deployMigrations(engine, migrationsDir)).toEqual(everyMigration);
        engine.free();
        expect(await applyPendingMigrations(byApplier.executor, migrationsDir, logger)).toEqual(everyMigration);

        expect(await catalogDump(byApplier.executor)).toEqual(await catalogDump(byPrisma.executor));
        const prismaRows = await byPrisma.executor.query(BOOKKEEPING);
        expect(prismaRows).toHaveLength(everyMigration.length);
        expect(await byApplier.executor.query(BOOKKEEPING)).toEqual(prismaRows);

        // Either can take over a database the other migrated: nothing is pending for it.
        expect(await applyPendingMigrations(byPrisma.executor, migrationsDir, logger)).toEqual([]);
        const engineOnApplied = await openSchemaEngine(schemaPath, byApplier.adapter);
        expect(await deployMigrations(engineOnApplied, migrationsDir)).toEqual([]);
        engineOnApplied.free();
      } finally {
        await byPrisma.close();
        await byApplier.close();
      }
    },
  );
});

test("a script that used Prisma's schema engine can exit once its work is done", async () => {
  // The engine's time-outs are timers it never clears: a Jest worker (or any process that does not call process.exit)
  // stayed alive 10 s after its work.
  // Run in a process of its own, where nothing else holds a timer (its stdout and stderr, pipes to this test, aside).
  const script = `
    const { PrismaPGlite } = require("pglite-prisma-adapter");
    const { migrationSourcesOf } = require("./scripts/migration-check");
    const { deployMigrations, openSchemaEngine } = require("./scripts/prisma-schema-engine");
    const { openScratchDatabase } = require("./subgraphs/shared/pglite-template");
    (async () => {
      const { schemaPath, migrationsDir } = migrationSourcesOf("users");
      const { db, close } = await openScratchDatabase();
      const engine = await openSchemaEngine(schemaPath, new PrismaPGlite(db));
      const applied = await deployMigrations(engine, migrationsDir);
      engine.free();
      await close();
      console.log(JSON.stringify({ applied: applied.length, holding: process.getActiveResourcesInfo().filter((kind) => kind !== "PipeWrap") }));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, "-e", script], {
    cwd: path.resolve(__dirname, ".."),
  });
  expect(JSON.parse(stdout)).toEqual({ applied: readMigrations(migrationsDirOf("users")).length, holding: [] });
});
