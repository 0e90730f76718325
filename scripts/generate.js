#!/usr/bin/env node
// Generates what the project needs before it can run or be type-checked:
// the three Prisma clients, the resolver types of the three subgraphs and the
// typed GraphQL documents of the platform's clients (codegen.ts).
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
    process.stderr.write(`\n${path.basename(command)} failed (see above)\n`);
    process.exit(1);
  }
}

// Each step runs only when its inputs changed since it last ran (a hash of them
// is kept beside its output), so `npm start` does not regenerate on every start.
// The lock file is an input of every step: a new Prisma or codegen version regenerates.
const fs = require("node:fs");
const crypto = require("node:crypto");

function unchanged(stampFile, inputs) {
  const hash = crypto.createHash("sha256");
  for (const file of [...inputs, "package-lock.json"]) {
    hash.update(file).update(fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file)) : "");
  }
  const digest = hash.digest("hex");
  const stamp = path.join(root, stampFile);
  const same = fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === digest;
  return { same, record: () => fs.writeFileSync(stamp, digest) };
}

const done = [];
// Dependencies' patches (patches/README.md), applied by patch-package. The stamp lives in node_modules, so a fresh
// install, which brings the packages back unpatched, applies them again.
const patches = fs.readdirSync(path.join(root, "patches")).filter((name) => name.endsWith(".patch"));
const patched = unchanged(
  "node_modules/.cache/federated-shop/patches-hash",
  patches.map((name) => `patches/${name}`),
);
if (!patched.same) {
  run(bin("patch-package"), ["--error-on-fail"]);
  fs.mkdirSync(path.join(root, "node_modules/.cache/federated-shop"), { recursive: true });
  patched.record();
  done.push(`patches of ${patches.map((name) => name.replace(/\+[^+]*\.patch$/, "").replace("+", "/")).join(", ")}`);
}
for (const service of ["users", "products", "orders"]) {
  const step = unchanged(`prisma/${service}/generated/.inputs-hash`, [
    `prisma/${service}/schema.prisma`,
    `prisma/${service}/prisma.config.ts`,
  ]);
  if (step.same) continue;
  run(bin("prisma"), ["generate", "--config", `prisma/${service}/prisma.config.ts`]);
  step.record();
  done.push(`Prisma client (${service})`);
}
// Resolver types from each subgraph's schema, and typed client documents (codegen.ts):
// their inputs are the schemas, the supergraph (the public API is derived from it)
// and the files that hold documents.
const subgraphs = ["users", "products", "orders"];
const clientDocuments = require("./client-documents.json");
const codegen = unchanged("subgraphs/.resolver-types-hash", [
  "codegen.ts",
  "subgraphs/orders/src/order-status-values.ts",
  "gateway/supergraph.graphql",
  ...subgraphs.map((name) => `subgraphs/${name}/schema.graphql`),
  "scripts/client-documents.json",
  ...Object.values(clientDocuments).flat(),
]);
const codegenOutputs = [
  ...subgraphs.map((name) => `subgraphs/${name}/src/__generated__`),
  ...Object.keys(clientDocuments).map((target) => `lib/__generated__/${target}`),
].every((dir) => fs.existsSync(path.join(root, dir)));
if (!codegen.same || !codegenOutputs) {
  run(bin("graphql-codegen"), ["--config", "codegen.ts", "--errors-only"]);
  codegen.record();
  done.push("subgraph resolver types and typed GraphQL documents");
}
console.log(done.length ? `generated: ${done.join(", ")}` : "generated code is up to date");
