import bcrypt from "bcryptjs";

/**
 * The body of passwords.ts's worker threads (piscina): bcrypt, synchronously,
 * on a thread of its own, so that the subgraph's event loop never runs it.
 */
export type PasswordJob = { kind: "hash"; password: string; cost: number } | { kind: "compare"; password: string; hash: string };

export type PasswordTask = PasswordJob & {
  /** When (epoch ms) the task has waited too long for a thread: it is then not run, and its caller answered TOO_MANY_REQUESTS. */
  notAfter: number;
};

/** null: the task waited for a thread past `notAfter`, and was not run. */
export default function runPasswordTask(task: PasswordTask): string | boolean | null {
  if (Date.now() > task.notAfter) return null;
  return task.kind === "hash" ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
}
