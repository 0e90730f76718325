import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { SUBGRAPH_NAMES, type DatabaseConfig } from "../lib/config";
import { readMigrations } from "../subgraphs/shared/migrations";
import { migrationsDirOf } from "../subgraphs/shared/settings";
import { CleanupStack } from "./support/cleanup-stack";
import { BACKENDS, createTestDatabases } from "./support/databases";

/** The test fixture layer itself: the clean-up stack, and the migrated databases platforms start on. */

describe("CleanupStack", () => {
  test("runs the steps last-registered first, once", async () => {
    const stack = new CleanupStack();
    const ran: string[] = [];
    stack.defer(() => ran.push("databases"));
    stack.adopt({ stop: async () => void ran.push("platform") });
    stack.defer(async () => void ran.push("shim"));
    await stack.close();
    await stack.close();
    expect(ran).toEqual(["shim", "platform", "databases"]);
  });

  test("a failing step does not keep the others from running; the failures are reported together", async () => {
    const stack = new CleanupStack();
    const ran: string[] = [];
    stack.defer(() => ran.push("first"));
    stack.defer(() => {
      throw new Error("database drop failed");
    });
    stack.defer(() => ran.push("third"));
    await expect(stack.close()).rejects.toThrow("database drop failed");
    expect(ran).toEqual(["third", "first"]);

    stack.defer(() => Promise.reject(new Error("one")));
    stack.defer(() => Promise.reject(new Error("two")));
    const failure = await stack.close().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((error: Error) => error.message)).toEqual(["two", "one"]);
  });
});

async function appliedMigrations(config: DatabaseConfig): Promise<string[] | "no table"> {
  const sql = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
  const exists = `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`;
  if (config.kind === "postgres") {
    const client = new pg.Client({ connectionString: config.url });
    await client.connect();
    try {
      if (!(await client.query<{ present: boolean }>(exists)).rows[0].present) return "no table";
      return (await client.query<{ migration_name: string }>(sql)).rows.map((row) => row.migration_name);
    } finally {
      await client.end();
    }
  }
  // An empty PGlite database is a directory without a cluster yet: the subgraph makes an empty one there at start.
  if (!fs.existsSync(path.join(config.dataDir!, "PG_VERSION"))) return "no table";
  const db = new PGlite(config.dataDir);
  try {
    if (!(await db.query<{ present: boolean }>(exists)).rows[0].present) return "no table";
    return (await db.query<{ migration_name: string }>(sql)).rows.map((row) => row.migration_name);
  } finally {
    await db.close();
  }
}

describe.each(BACKENDS)("test databases (%s)", (backend) => {
  test("migrated ones hold every migration of their subgraph, applied; the default ones are empty", async () => {
    const [migrated, empty] = await Promise.all([createTestDatabases(backend, { migrated: true }), createTestDatabases(backend)]);
    try {
      for (const name of SUBGRAPH_NAMES) {
        const expected = readMigrations(migrationsDirOf(name)).map((migration) => migration.name);
        expect({ name, applied: await appliedMigrations(migrated.configs[name]) }).toEqual({ name, applied: expected });
        expect({ name, applied: await appliedMigrations(empty.configs[name]) }).toEqual({ name, applied: "no table" });
      }
    } finally {
      await Promise.all([migrated.drop(), empty.drop()]);
    }
  });

  test("two sets of migrated databases are independent: a write to one is not in the other", async () => {
    const [first, second] = await Promise.all([
      createTestDatabases(backend, { migrated: true }),
      createTestDatabases(backend, { migrated: true }),
    ]);
    const run = async (config: DatabaseConfig, sql: string) => {
      if (config.kind === "postgres") {
        const client = new pg.Client({ connectionString: config.url });
        await client.connect();
        try {
          return (await client.query(sql)).rows;
        } finally {
          await client.end();
        }
      }
      const db = new PGlite(config.dataDir);
      try {
        return (await db.query(sql)).rows;
      } finally {
        await db.close();
      }
    };
    try {
      await run(first.configs.users, `CREATE TABLE "only_here" (id int)`);
      const present = `SELECT to_regclass('"only_here"') IS NOT NULL AS present`;
      expect(await run(first.configs.users, present)).toEqual([{ present: true }]);
      expect(await run(second.configs.users, present)).toEqual([{ present: false }]);
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });
});
