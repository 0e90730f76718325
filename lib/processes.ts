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
 * that every module resolution crosses to). @swc-node/register compiles with SWC, the compiler Jest's transform uses
 * for the same files: loading the four services' modules took 1.0 to 1.25 s of CPU through it against 2.1 to 2.5 s
 * through tsx's hook, which also intercepts the resolution of every node_modules file; its own start, 0.2 s, is
 * reading tsconfig.json through TypeScript. The one-off scripts of `npm run` and `npm run dev`'s watcher stay on tsx.
 */
export const TYPESCRIPT_ENTRY_ARGS: readonly string[] = ["--require", "@swc-node/register"];
