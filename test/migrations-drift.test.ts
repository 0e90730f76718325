import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SUBGRAPH_NAMES } from "../lib/config";
import { findDrift, migrationSourcesOf, missingMigrationSql, type MigrationSources } from "../scripts/migration-check";
import { schemaEngineCommit } from "../scripts/prisma-schema-engine";

// Each check builds a database and runs Prisma's schema engine (WebAssembly).
jest.setTimeout(180_000);

test("the WebAssembly schema engine is the build of the installed Prisma CLI's engines (upgrade them together)", async () => {
  const { enginesVersion } = require("@prisma/engines-version") as { enginesVersion: string };
  expect(await schemaEngineCommit()).toBe(enginesVersion);
});

describe("each subgraph's migrations build exactly what its schema.prisma describes", () => {
  test.each(SUBGRAPH_NAMES)("%s: no drift, and every raw-SQL object is listed and present", async (name) => {
    expect(await findDrift(migrationSourcesOf(name))).toEqual([]);
  });
});

/** A copy of prisma/<service>/ in a temporary folder, to change without touching the real one. */
function copyOf(service: "users" | "products", change: { schema?: (text: string) => string; addMigration?: string }) {
  const real = migrationSourcesOf(service);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `drift-${service}-`));
  fs.cpSync(path.dirname(real.schemaPath), dir, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}generated`),
  });
  const sources: MigrationSources = {
    schemaPath: path.join(dir, "schema.prisma"),
    migrationsDir: path.join(dir, "migrations"),
    rawSqlObjects: [...real.rawSqlObjects],
  };
  if (change.schema) fs.writeFileSync(sources.schemaPath, change.schema(fs.readFileSync(sources.schemaPath, "utf8")));
  if (change.addMigration) addMigration(sources, "29991231000000_deliberate_drift", change.addMigration);
  return { sources, cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function addMigration(sources: MigrationSources, name: string, sql: string): void {
  fs.mkdirSync(path.join(sources.migrationsDir, name));
  fs.writeFileSync(path.join(sources.migrationsDir, name, "migration.sql"), sql);
}

describe("the drift check catches a schema change without its migration, and the reverse", () => {
  test("a column added to schema.prisma alone is reported; Prisma's SQL for it, as a new migration, settles it", async () => {
    const { sources, cleanUp } = copyOf("users", {
      schema: (text) => text.replace(/^(\s*fullName\s.*)$/m, "$1\n  nickname String? @db.VarChar(50)"),
    });
    try {
      const drift = await findDrift(sources);
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatch(/Changed the `users` table[\s\S]*Added column `nickname`/);

      const sql = await missingMigrationSql(sources);
      expect(sql).toMatch(/ALTER TABLE "users" ADD COLUMN\s+"nickname" VARCHAR\(50\);/);
      addMigration(sources, "29991231000000_add_nickname", sql!);
      expect(await findDrift(sources)).toEqual([]);
      expect(await missingMigrationSql(sources)).toBeNull();
    } finally {
      cleanUp();
    }
  });

  test("an index created by a migration but absent from schema.prisma is reported", async () => {
    const { sources, cleanUp } = copyOf("products", {
      addMigration: `CREATE INDEX "products_name_idx" ON "products"("name");`,
    });
    try {
      const drift = await findDrift(sources);
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatch(/Changed the `products` table[\s\S]*Removed index on columns \(name\)/);
    } finally {
      cleanUp();
    }
  });

  test("a CHECK constraint that prisma/raw-sql-objects.ts does not list is reported", async () => {
    const { sources, cleanUp } = copyOf("products", {
      addMigration: `ALTER TABLE "products" ADD CONSTRAINT "products_category_short" CHECK (length("category") < 50);`,
    });
    try {
      expect(await findDrift(sources)).toEqual([
        "check constraint products_category_short on products is created by the migrations but is neither in schema.prisma nor listed in prisma/raw-sql-objects.ts",
      ]);
    } finally {
      cleanUp();
    }
  });

  test("a listed raw-SQL object that the migrations no longer create is reported", async () => {
    const { sources, cleanUp } = copyOf("products", {
      addMigration: `DROP INDEX "products_search_vector_idx";`,
    });
    try {
      const drift = await findDrift(sources);
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatch(
        /^index products_search_vector_idx on products is listed in prisma\/raw-sql-objects.ts, but the migrations do not create it/,
      );
    } finally {
      cleanUp();
    }
  });
});
