// @ts-check
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

/**
 * The suites that take longest (measured on a quiet 2-core machine, slowest first). Jest orders suites by the
 * durations it cached on an earlier run; a clean clone (CI) has none, and Jest then orders by file size, which
 * left a minute-long suite such as the benchmark's to run alone at the end while the other worker sat idle.
 * These start first; the rest follow in Jest's own order. A stale entry only costs ordering, never a test.
 */
const SLOWEST = [
  "bench.smoke.test.ts",
  "migrations-drift.test.ts",
  "migrations.test.ts",
  "create-admin.e2e.test.ts",
  "orders-faults.e2e.test.ts",
  "platform-stop.e2e.test.ts",
  "metrics-cardinality.e2e.test.ts",
  "order-events.e2e.test.ts",
  "users-hashing-stall.e2e.test.ts",
  "build.e2e.test.ts",
  "idempotency.e2e.test.ts",
  "platform-crash.e2e.test.ts",
  "authorization.e2e.test.ts",
  "fuzz.e2e.test.ts",
];

class SlowestFirstSequencer extends Sequencer {
  /** @param {import("@jest/test-result").Test[]} tests */
  async sort(tests) {
    const rank = (/** @type {import("@jest/test-result").Test} */ test) => {
      const index = SLOWEST.indexOf(path.basename(test.path));
      return index === -1 ? SLOWEST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep Jest's order.
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowestFirstSequencer;
