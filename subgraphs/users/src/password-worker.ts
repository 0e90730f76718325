import bcrypt from "bcryptjs";

/**
 * The body of passwords.ts's worker threads (piscina): bcrypt, synchronously,
 * on a thread of its own, so that the subgraph's event loop never runs it.
 */
export type PasswordTask = { kind: "hash"; password: string; cost: number } | { kind: "compare"; password: string; hash: string };

export default function runPasswordTask(task: PasswordTask): string | boolean {
  return task.kind === "hash" ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
}
