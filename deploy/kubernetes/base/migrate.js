// Applies one subgraph's pending migrations, then exits: the applier each
// subgraph runs at start-up (subgraphs/shared/migrations.ts, with Prisma's
// bookkeeping table and advisory lock), loaded from the platform image's
// compiled dist/. The migration Jobs mount this file from a ConfigMap and run
//   node /etc/shop/migrate.js <users|products|orders>
// in the image's working directory (/app). `npm run migrate:deploy` needs
// Prisma's WASM schema engine, a dev dependency the image leaves out.
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

const fromApp = createRequire(path.join(process.cwd(), "package.json"));
const { SUBGRAPH_NAMES, databaseConfigFor, readEnv } = fromApp("./dist/lib/config");
const { applyPendingMigrations } = fromApp("./dist/subgraphs/shared/migrations");
const { postgresExecutor } = fromApp("./dist/subgraphs/shared/database");
const { migrationsDirOf } = fromApp("./dist/subgraphs/shared/settings");
const { createLogger } = fromApp("./dist/lib/logger");
const pg = fromApp("pg");

async function main(name) {
  if (!SUBGRAPH_NAMES.includes(name)) throw new Error(`usage: node migrate.js <${SUBGRAPH_NAMES.join("|")}>`);
  const env = readEnv();
  const logger = createLogger(`${name}-migrations`, env.LOG_LEVEL);
  const config = databaseConfigFor(name, env);
  if (config.kind !== "postgres") throw new Error(`set ${name.toUpperCase()}_DATABASE_URL`);
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    const applied = await applyPendingMigrations(postgresExecutor(client), migrationsDirOf(name), logger);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "no pending migrations");
  } finally {
    await client.end();
  }
}

main(process.argv[2]).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
