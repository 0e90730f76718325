// `npm run build`: compiles the services to JavaScript in dist/ (tsc with
// tsconfig.build.json) and copies beside the compiled code the files it reads
// at run time, at the same relative places as in the sources. The Prisma
// clients are TypeScript (prisma/<name>/generated) and compile with the rest,
// so run `npm run generate` first. Start the result with `npm run start:prod`
// or `node dist/<service>/src/main.js`.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");

/** Read at run time by the compiled code (paths relative to the repository root). */
const RUNTIME_FILES = [
  "README.md", // the playground's example tabs
  "gateway/supergraph.graphql",
  "gateway/trusted-documents.json",
  "gateway/playground",
  "rest-shim/api-reference",
  "subgraphs/users/schema.graphql",
  "subgraphs/products/schema.graphql",
  "subgraphs/orders/schema.graphql",
  "prisma/users/migrations",
  "prisma/products/migrations",
  "prisma/orders/migrations",
  "subgraphs/users/src/password-worker.js", // JavaScript already: loaded by the bcrypt threads, which have no TypeScript hook
];

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: "inherit",
});
for (const file of RUNTIME_FILES) {
  fs.cpSync(path.join(root, file), path.join(dist, file), { recursive: true });
}
console.log(`built: ${path.relative(process.cwd(), dist) || "."}/ (run with npm run start:prod)`);
