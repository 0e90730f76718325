const fs = require("node:fs");
const path = require("node:path");

/** @type {import('jest').Config} */
module.exports = {
  // Jest's Node environment, with V8's code cache kept across the suites of a worker (test/support/code-cache.ts).
  testEnvironment: "<rootDir>/test/support/test-environment.ts",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is `tsc --noEmit`, which `npm test` runs before jest; here SWC only strips the types: it
  // transpiles a suite's few hundred files in a fraction of the time ts-jest took (7 s of a cold suite's 16), with the
  // options of `.swcrc`, which lib/register-typescript.js (npm start, the tests' child processes) uses too.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { ...JSON.parse(fs.readFileSync(path.join(__dirname, ".swcrc"), "utf8")), swcrc: false }],
  },
  // Generous: several suites start whole platforms (three embedded databases each) inside one test.
  testTimeout: 180_000,
  // The PostgreSQL server for the PostgreSQL half of the suites (test/support/postgres-server.ts).
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  // Three workers on this 2-core machine: the suites wait on sockets, timers and child processes, and a third keeps
  // the cores busy then (1.78 of 2 on average, against 1.67 with two). Measured on a quiet machine: 330 and 374 s with
  // three, 399 s with two (another machine of the same kind, another day: 543 to 579 s with three). The same-time
  // checks (test/support/answer-times.ts) repeat a round that finds a difference: with every core busy for seconds,
  // a round once left no quiet answer of one kind in CI.
  // The workers run with V8's single-threaded GC (`npm run test:jest` starts Jest with --single-threaded-gc, which its
  // workers inherit): both cores are busy for the whole run, so GC helper threads only add their overhead. On 8
  // suites in one process: 67.5 and 68.5 CPU-s against 71.7 and 73.2 (a larger young generation,
  // --max-semi-space-size=32, cost more: 79.6 and 75.9); `npm test` went from 361 to 354 s.
  maxWorkers: 3,
  // On a clean clone (CI), where Jest has no durations of a last run, the slowest suites start first.
  testSequencer: "<rootDir>/test/support/slow-first-sequencer.js",
  // Each suite leaves its test context, about 50 MB, behind in the worker: a heap snapshot shows it held by Node's
  // registry of dynamic-import callbacks, through the scripts Jest compiles with --experimental-vm-modules (Node 20;
  // jestjs/jest#14605). (A stopped service's own timers and observers no longer add to it: lib/rate-limit.ts,
  // lib/observability/metrics.ts.) A worker with 1.5 GB ran the migration checks 8 times slower than a fresh one;
  // past 700 MB (a dozen suites) it is replaced, which costs about a second.
  workerIdleMemoryLimit: "700MB",
  // At the end of a run each worker is asked to exit and, after this long, killed with a warning that it "failed to
  // exit gracefully". Jest's 500 ms was too short here: a probe of every worker's handles after its last suite found
  // only its stdio and IPC pipes, and the workers, holding hundreds of MB, exited about 0.6 s after the last suite. A
  // handle a suite really leaks keeps its worker alive for good, and still shows as that warning.
  workerGracefulExitTimeout: 2000,
};
