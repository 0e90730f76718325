#!/usr/bin/env node
// Generates what the project needs before it can run or be type-checked:
// the three Prisma clients and the resolver types of the three subgraphs.
// It runs from `postinstall`, `prestart` and `pretest`, because npm on some
// machines does not run install scripts, and it is fast when nothing changed.
//
// `prisma generate` needs no schema engine, but the CLI looks for one and
// would try to download it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file stops that (see docs/architecture.md, "Migrations").
const { execFileSync } = require("node:child_process");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(command, args) {
  try {
    execFileSync(command, args, { cwd: root, env, stdio: "pipe" });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw error;
  }
}

for (const service of ["users", "products", "orders"]) {
  run(bin("prisma"), ["generate", "--config", `prisma/${service}/prisma.config.ts`]);
}
run(bin("graphql-codegen"), ["--config", "codegen.ts", "--silent"]);
console.log("generated: Prisma clients (users, products, orders) and subgraph resolver types");
