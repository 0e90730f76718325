import fs from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { SUBGRAPH_NAMES, databaseConfigFor, readEnv, type SubgraphName } from "../lib/config";
import { findDrift, migrationSourcesOf, missingMigrationSql } from "./migration-check";
import { deployMigrations, openSchemaEngine } from "./prisma-schema-engine";

/**
 * Migrations without Prisma's native schema engine (see docs/migrations.md):
 *
 *   npm run migration:new -- <service> <name>   write the migration that schema.prisma needs
 *   npm run migration:check                     the drift check of every subgraph
 *   npm run migrate:deploy -- <service>         `prisma migrate deploy` to <SERVICE>_DATABASE_URL
 */

const USAGE = `usage:
  npm run migration:new -- <${SUBGRAPH_NAMES.join("|")}> <name>
  npm run migration:check
  npm run migrate:deploy -- <${SUBGRAPH_NAMES.join("|")}>`;

async function main([command, ...args]: string[]): Promise<number> {
  switch (command) {
    case "new":
      return newMigration(service(args[0]), args[1]);
    case "check":
      return check();
    case "deploy":
      return deploy(service(args[0]));
    default:
      throw new Error(USAGE);
  }
}

function service(name: string | undefined): SubgraphName {
  if (!SUBGRAPH_NAMES.includes(name as SubgraphName)) throw new Error(USAGE);
  return name as SubgraphName;
}

async function newMigration(name: SubgraphName, migrationName: string | undefined): Promise<number> {
  if (!migrationName || !/^[a-z0-9_]+$/.test(migrationName)) {
    throw new Error(`${USAGE}\n(the name: lower-case letters, digits and _, e.g. add_user_role)`);
  }
  const sources = migrationSourcesOf(name);
  const sql = await missingMigrationSql(sources);
  if (sql === null) {
    console.log(`${name}: the migrations already build schema.prisma; nothing to write.`);
    return 0;
  }
  const folder = `${utcTimestamp()}_${migrationName}`;
  const existing = fs.readdirSync(sources.migrationsDir).filter((entry) => /^\d{14}_/.test(entry));
  if (existing.some((entry) => entry >= folder)) {
    throw new Error(`${folder} would not sort after the existing migrations (${existing.at(-1)}); check the clock`);
  }
  const file = path.join(sources.migrationsDir, folder, "migration.sql");
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, sql);
  console.log(`wrote ${path.relative(process.cwd(), file)}:\n\n${sql}`);
  console.log(
    "What schema.prisma cannot express (generated columns, CHECK constraints, partial indexes) is not in it:\n" +
      "add such SQL to this new migration.sql and list the objects in prisma/raw-sql-objects.ts.\n" +
      "Then `npm run migration:check` (or the test) must pass, and `npm run generate` updates the client.",
  );
  return 0;
}

async function check(): Promise<number> {
  let failed = false;
  for (const name of SUBGRAPH_NAMES) {
    const drift = await findDrift(migrationSourcesOf(name));
    console.log(drift.length === 0 ? `${name}: migrations match schema.prisma` : `${name}: DRIFT\n  ${drift.join("\n  ")}`);
    failed ||= drift.length > 0;
  }
  return failed ? 1 : 0;
}

async function deploy(name: SubgraphName): Promise<number> {
  const config = databaseConfigFor(name, readEnv());
  if (config.kind !== "postgres") {
    throw new Error(`set ${name.toUpperCase()}_DATABASE_URL; embedded databases are migrated by their service at start`);
  }
  const pool = new pg.Pool({ connectionString: config.url });
  try {
    const { schemaPath, migrationsDir } = migrationSourcesOf(name);
    const engine = await openSchemaEngine(schemaPath, new PrismaPg(pool));
    const applied = await deployMigrations(engine, migrationsDir);
    engine.free();
    console.log(applied.length === 0 ? `${name}: no pending migrations` : `${name}: applied ${applied.join(", ")}`);
    return 0;
  } finally {
    await pool.end();
  }
}

function utcTimestamp(): string {
  return new Date().toISOString().replace(/\D/g, "").slice(0, 14);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
