import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createLogger } from "../lib/logger";
import { applyPendingMigrations, readMigrations, type SqlExecutor } from "../subgraphs/shared/migrations";
import { migrationsDirOf } from "../subgraphs/shared/settings";
import { SUBGRAPH_NAMES } from "../lib/config";
import { createTestDatabases } from "./support/databases";

const logger = createLogger("test", "silent");

function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    query: async (sql, params) => (await db.query<any>(sql, params)).rows,
    exec: async (script) => void (await db.exec(script)),
  };
}

function tempMigrations(migrations: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  for (const [name, sql] of Object.entries(migrations)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("the start-up migration applier", () => {
  test.each(SUBGRAPH_NAMES)("applies the %s migrations once, bookkept exactly as prisma migrate deploy does", async (name) => {
    const db = new PGlite();
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
    await db.close();
  });

  test("a failing migration leaves neither its changes nor a record, and later ones wait", async () => {
    const db = new PGlite();
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
    await db.close();
  });

  test("a migration that Prisma recorded as failed stops start-up until it is resolved", async () => {
    const db = new PGlite();
    const dir = tempMigrations({ "20260101000000_one": `CREATE TABLE "one" (id INT);` });
    await applyPendingMigrations(pgliteExecutor(db), dir, logger);
    await db.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ('x', 'y', '20260102000000_broken', now())`,
    );
    await expect(applyPendingMigrations(pgliteExecutor(db), dir, logger)).rejects.toThrow(/20260102000000_broken failed earlier/);
    await db.close();
  });

  test("on a PostgreSQL server, two services starting at once apply each migration exactly once", async () => {
    const databases = await createTestDatabases("postgres");
    const url = (databases.configs.products as { url: string }).url;
    const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    try {
      await Promise.all(clients.map((client) => client.connect()));
      const executor = (client: pg.Client): SqlExecutor => ({
        query: async (sql, params) => (await client.query(sql, params)).rows,
        exec: async (script) => void (await client.query(script)),
      });
      const dir = migrationsDirOf("products");
      const results = await Promise.all(clients.map((client) => applyPendingMigrations(executor(client), dir, logger)));
      expect(results.flat().sort()).toEqual(readMigrations(dir).map((m) => m.name));
      const { rows } = await clients[0].query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(rows[0].n).toBe(readMigrations(dir).length);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await databases.drop();
    }
  });
});
