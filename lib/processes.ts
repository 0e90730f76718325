import path from "node:path";

/** Whether a process with this id runs (signal 0 only checks; EPERM means it runs, as another user). */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The node arguments that run a TypeScript entry file: the services under `npm start` and the tests' child processes
 * and scripts. A require hook (the project is CommonJS; Node 20's `--import` loader hooks run on a thread of their own
 * that every module resolution crosses to): `lib/register-typescript.js`, SWC through pirates, which says why it is
 * ours. Loading the four services' modules through SWC took 1.0 to 1.25 s of CPU against 2.1 to 2.5 s through tsx's
 * hook, which also intercepts the resolution of every node_modules file. The one-off scripts of `npm run` and
 * `npm run dev`'s watcher stay on tsx. An absolute path: a child process may start in another directory.
 */
export const TYPESCRIPT_ENTRY_ARGS: readonly string[] = ["--require", path.join(__dirname, "register-typescript.js")];
