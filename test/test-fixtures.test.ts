import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { SUBGRAPH_NAMES, type DatabaseConfig } from "../lib/config";
import { readMigrations } from "../subgraphs/shared/migrations";
import { migrationsDirOf } from "../subgraphs/shared/settings";
import { CleanupStack } from "./support/cleanup-stack";
import { emptyAsMigrated, schemaOf, templateSchemaOf } from "./support/database-templates";
import { databaseUrl, withPgClient } from "./support/pg-session";
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
    return withPgClient(config.url, async (client) => {
      if (!(await client.query<{ present: boolean }>(exists)).rows[0].present) return "no table";
      return (await client.query<{ migration_name: string }>(sql)).rows.map((row) => row.migration_name);
    });
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
      if (config.kind === "postgres") return withPgClient(config.url, async (client) => (await client.query(sql)).rows);
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

describe("server databases given back by a suite (postgres)", () => {
  const urlOf = (config: DatabaseConfig) => (config as { url: string }).url;
  const server = () => process.env.TEST_POSTGRES_URL!;
  const addProduct = (client: pg.Client) =>
    client.query<{ id: number }>(`INSERT INTO products (name, price, updated_at) VALUES ('Kettle', 20, now()) RETURNING id`);
  const productCount = async (client: pg.Client) =>
    (await client.query<{ rows: number }>("SELECT count(*)::int AS rows FROM products")).rows[0].rows;

  test("emptied as their template was: no rows, sequences at their start, schema and migrations kept", async () => {
    const databases = await createTestDatabases("postgres", { migrated: true });
    try {
      await withPgClient(urlOf(databases.configs.products), async (client) => {
        await addProduct(client);
        expect((await addProduct(client)).rows).toEqual([{ id: 2 }]);
        await emptyAsMigrated(client);
        expect(await productCount(client)).toBe(0);
        expect((await addProduct(client)).rows).toEqual([{ id: 1 }]);
        expect(await schemaOf(client)).toBe(templateSchemaOf("products"));
      });
      const expected = readMigrations(migrationsDirOf("products")).map((migration) => migration.name);
      expect(await appliedMigrations(databases.configs.products)).toEqual(expected);
    } finally {
      await databases.drop();
    }
  });

  test("kept for the next suite, emptied, once its platform is gone, unless its schema changed: that one is dropped", async () => {
    // Other suites take free databases meanwhile; a pair whose kept database one of them took first is tried again.
    for (let attempt = 1; ; attempt++) {
      const [kept, altered] = await Promise.all([
        createTestDatabases("postgres", { migrated: true }),
        createTestDatabases("postgres", { migrated: true }),
      ]);
      const oidOf = (client: pg.Client) =>
        client.query<{ oid: string }>("SELECT oid::text FROM pg_database WHERE datname = current_database()");
      const keptOid = await withPgClient(urlOf(kept.configs.products), async (client) => {
        await addProduct(client);
        return (await oidOf(client)).rows[0].oid;
      });
      const alteredOid = await withPgClient(urlOf(altered.configs.products), async (client) => {
        await client.query(`CREATE TABLE "only_here" (id int)`);
        return (await oidOf(client)).rows[0].oid;
      });
      await Promise.all([kept.drop(), altered.drop()]);

      const present = await withPgClient(
        server(),
        async (client) =>
          (
            await client.query<{ oid: string; datname: string }>(
              "SELECT oid::text, datname FROM pg_database WHERE oid::text = ANY($1)",
              [[keptOid, alteredOid]],
            )
          ).rows,
      );
      expect(present.map((row) => row.oid)).toEqual([keptOid]);
      // As the next suite finds it. Connected under its free name, nobody can take it (rename it) meanwhile.
      const rows = await withPgClient(databaseUrl(server(), present[0].datname), productCount).catch((error) => {
        if ((error as { code?: string }).code === "3D000" && attempt < 3) return "taken by another suite first";
        throw error;
      });
      if (rows === "taken by another suite first") continue;
      expect({ name: present[0].datname.includes("_free_"), rows }).toEqual({ name: true, rows: 0 });
      return;
    }
  });
});
