import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SubgraphName } from "../lib/config";
import { createLogger } from "../lib/logger";
import { RAW_SQL_OBJECTS, type RawSqlObject } from "../prisma/raw-sql-objects";
import { pgliteExecutor } from "../subgraphs/shared/database";
import { applyPendingMigrations } from "../subgraphs/shared/migrations";
import { openScratchDatabase } from "../subgraphs/shared/pglite-template";
import { diffDatabaseToSchema, openSchemaEngine } from "./prisma-schema-engine";

/**
 * Do a subgraph's migrations build exactly the database its schema.prisma
 * describes? Builds a scratch database (embedded PGlite) with the services'
 * own migration applier, removes the raw-SQL objects listed in
 * prisma/raw-sql-objects.ts, and asks Prisma's schema engine for the diff from
 * that database to schema.prisma (`prisma migrate diff`); it must be empty,
 * and nothing Prisma cannot express may be left over.
 *
 * Runs on PGlite because Prisma's pg adapter cannot yet read the catalog's
 * `"char"` columns that the engine's schema reader selects.
 */

export interface MigrationSources {
  schemaPath: string;
  migrationsDir: string;
  rawSqlObjects: RawSqlObject[];
}

export function migrationSourcesOf(service: SubgraphName): MigrationSources {
  const dir = path.resolve(__dirname, "../prisma", service);
  return {
    schemaPath: path.join(dir, "schema.prisma"),
    migrationsDir: path.join(dir, "migrations"),
    rawSqlObjects: RAW_SQL_OBJECTS[service],
  };
}

const silent = createLogger("migration-check", "silent");

/** Everything that keeps the migrations from equalling the schema; empty when they match. */
export async function findDrift(sources: MigrationSources): Promise<string[]> {
  return withComparableDatabase(sources, async (db, problems) => {
    problems.push(...(await leftoverRawSqlObjects(db)));
    const diff = await prismaDiff(db, sources.schemaPath, false);
    if (diff !== null) {
      problems.push(`the migrations do not build what schema.prisma describes; Prisma's diff from them to it:\n${diff.trim()}`);
    }
    return problems;
  });
}

/**
 * The SQL of the migration that is missing: what Prisma would write into a
 * new migration.sql (`prisma migrate dev --create-only`). Null when the
 * migrations already build the schema.
 */
export async function missingMigrationSql(sources: MigrationSources): Promise<string | null> {
  return withComparableDatabase(sources, async (db, problems) => {
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return prismaDiff(db, sources.schemaPath, true);
  });
}

async function withComparableDatabase<T>(
  sources: MigrationSources,
  use: (db: PGlite, problems: string[]) => Promise<T>,
): Promise<T> {
  const { db, close } = await openScratchDatabase();
  try {
    await applyPendingMigrations(pgliteExecutor(db), sources.migrationsDir, silent);
    const problems: string[] = [];
    for (const object of sources.rawSqlObjects) {
      try {
        await db.exec(removalOf(object));
      } catch (error) {
        problems.push(
          `${describe(object)} is listed in prisma/raw-sql-objects.ts, but the migrations do not create it (${(error as Error).message})`,
        );
      }
    }
    return await use(db, problems);
  } finally {
    await close();
  }
}

async function prismaDiff(db: PGlite, schemaPath: string, script: boolean): Promise<string | null> {
  const engine = await openSchemaEngine(schemaPath, new PrismaPGlite(db));
  try {
    return await diffDatabaseToSchema(engine, schemaPath, { script });
  } finally {
    engine.free();
  }
}

/** Each fails when the object is not there as listed. */
function removalOf(object: RawSqlObject): string {
  switch (object.kind) {
    case "generated column":
      // Leaves the plain column that schema.prisma declares as Unsupported(...).
      return `ALTER TABLE "${object.table}" ALTER COLUMN "${object.column}" DROP EXPRESSION`;
    case "index":
      return `DROP INDEX "${object.name}"`;
    case "check constraint":
      return `ALTER TABLE "${object.table}" DROP CONSTRAINT "${object.name}"`;
  }
}

function describe(object: RawSqlObject): string {
  return object.kind === "generated column"
    ? `generated column ${object.table}.${object.column}`
    : `${object.kind} ${object.name} on ${object.table}`;
}

/**
 * Objects Prisma's diff does not see (it ignores CHECK constraints, partial
 * indexes, triggers, views and generation expressions of Unsupported
 * columns), so the list must account for each.
 */
const LEFTOVERS_SQL = `
  SELECT 'check constraint ' || conname || ' on ' || conrelid::regclass::text AS object
    FROM pg_constraint JOIN pg_namespace ns ON ns.oid = connamespace
   WHERE contype = 'c' AND ns.nspname = 'public'
  UNION ALL
  SELECT 'generated column ' || table_name || '.' || column_name
    FROM information_schema.columns WHERE table_schema = 'public' AND is_generated = 'ALWAYS'
  UNION ALL
  SELECT 'index ' || indexrelid::regclass::text || ' on ' || indrelid::regclass::text || ' (partial or on expressions)'
    FROM pg_index JOIN pg_class t ON t.oid = indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
   WHERE ns.nspname = 'public' AND (indpred IS NOT NULL OR indexprs IS NOT NULL)
  UNION ALL
  SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text
    FROM pg_trigger JOIN pg_class t ON t.oid = tgrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
   WHERE NOT tgisinternal AND ns.nspname = 'public'
  UNION ALL
  SELECT 'view ' || table_name FROM information_schema.views WHERE table_schema = 'public'
  ORDER BY 1`;

async function leftoverRawSqlObjects(db: PGlite): Promise<string[]> {
  const { rows } = await db.query<{ object: string }>(LEFTOVERS_SQL);
  return rows.map(
    ({ object }) =>
      `${object} is created by the migrations but is neither in schema.prisma nor listed in prisma/raw-sql-objects.ts`,
  );
}
