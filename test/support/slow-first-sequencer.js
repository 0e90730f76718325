const fs = require("node:fs");
const path = require("node:path");
const { default: Sequencer } = require("@jest/test-sequencer");

/**
 * The suites that take longest, each 40 s or more of a full run's 9 to 10 minutes on this 2-core machine (Jest prints
 * each suite's time): started first, so that no worker is left running one of them alone at the end.
 *
 * Jest orders suites by their durations in the last run, which it keeps in its cache; a clean clone (CI's) has none,
 * and Jest then orders them by file size. That started the 77 s bench smoke test, a small file, among the last.
 */
const SLOWEST_SUITES = [
  "orders-faults.e2e.test.ts",
  "account-emails-privacy.e2e.test.ts",
  "metrics-cardinality.e2e.test.ts",
  "create-admin.e2e.test.ts",
  "bench.smoke.test.ts",
  "build.e2e.test.ts",
  "platform-stop.e2e.test.ts",
  "users-hashing-stall.e2e.test.ts",
  "auth-tokens.e2e.test.ts",
  "order-events.e2e.test.ts",
  "migrations.test.ts",
  "platform-crash.e2e.test.ts",
];

const testDir = path.join(__dirname, "..");
for (const name of SLOWEST_SUITES) {
  if (!fs.existsSync(path.join(testDir, name))) throw new Error(`slow-first-sequencer.js names ${name}, which is not in test/`);
}

class SlowestFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    // With the last run's durations Jest's own order is the better one: it knows this machine.
    if (tests.some((test) => this.time(test) !== undefined)) return sorted;
    const rank = (test) => {
      const index = SLOWEST_SUITES.indexOf(path.basename(test.path));
      return index === -1 ? SLOWEST_SUITES.length : index;
    };
    // Array.prototype.sort is stable: the rest keep Jest's order (the largest files first).
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowestFirstSequencer;
