// The body of passwords.ts's worker threads (piscina): bcrypt, synchronously, on a thread of its own, so that the
// subgraph's event loop never runs it.
//
// JavaScript, not TypeScript: a worker thread inherits no require hook under Jest, and loading one (tsx's) for these
// few lines cost each thread 0.12 s of CPU, two threads at every start of the users subgraph. `npm run build` copies
// it beside the compiled passwords.js (scripts/build.js).
const bcrypt = require("bcryptjs");

/**
 * null: the task waited for a thread past `notAfter`, and was not run.
 * @param {import("./passwords").PasswordTask} task
 * @returns {string | boolean | null}
 */
module.exports = function runPasswordTask(task) {
  if (Date.now() > task.notAfter) return null;
  return task.kind === "hash" ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
};
