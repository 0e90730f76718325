// Runs the project's TypeScript in a plain Node process: `node --require ./lib/register-typescript.js <entry>.ts`
// (npm start and the services it spawns, the tests' child processes: TYPESCRIPT_ENTRY_ARGS in lib/processes.ts).
//
// SWC strips the types with the options of `.swcrc`, which Jest's transform reads too; pirates hooks require for
// .ts files; each file's source map is kept as a string and read by source-map-support only when a stack trace is
// printed, so that traces name the TypeScript lines. Type checking is `tsc`'s job (npm test).
//
// Written here rather than taken from @swc-node/register, which does the same but loads the TypeScript compiler in
// every process to read tsconfig.json: 0.2 s of CPU of a service's 1.5 s start, five processes at every `npm start`
// and in each of the tests' child processes. Node's own --enable-source-maps parses every map as its module loads,
// which cost as much again.
const fs = require("node:fs");
const path = require("node:path");
const { transformSync } = require("@swc/core");
const { addHook } = require("pirates");
const sourceMapSupport = require("source-map-support");

const options = JSON.parse(fs.readFileSync(path.join(__dirname, "..", ".swcrc"), "utf8"));
const sourceMaps = new Map();

sourceMapSupport.install({
  environment: "node",
  handleUncaughtExceptions: false,
  retrieveSourceMap: (file) => (sourceMaps.has(file) ? { url: file, map: sourceMaps.get(file) } : null),
});

addHook(
  (code, filename) => {
    const output = transformSync(code, { ...options, filename, swcrc: false, sourceMaps: true });
    sourceMaps.set(filename, output.map);
    return output.code;
  },
  { exts: [".ts"] },
);
