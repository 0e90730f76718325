import path from "node:path";
import bcrypt from "bcryptjs";
import { Piscina } from "piscina";
import type { Counter } from "prom-client";
import { z } from "zod";
import { tooManyRequests } from "../../../lib/errors";
import type { ServiceMetrics } from "../../../lib/observability/metrics";

/**
 * Password hashing with bcrypt at the configured cost. bcrypt only reads the
 * first 72 bytes, so longer passwords are refused rather than silently cut.
 */
export const MIN_PASSWORD_BYTES = 8;
export const MAX_PASSWORD_BYTES = 72;

const byteLength = (text: string) => Buffer.byteLength(text, "utf8");

export const PasswordSchema = z
  .string()
  .refine((password) => byteLength(password) >= MIN_PASSWORD_BYTES, `must be at least ${MIN_PASSWORD_BYTES} bytes`)
  .refine((password) => byteLength(password) <= MAX_PASSWORD_BYTES, `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`);

/** BCRYPT_COST, BCRYPT_THREADS, BCRYPT_QUEUE and BCRYPT_MAX_WAIT_MS (lib/config.ts). */
export interface HashingSettings {
  cost: number;
  threads: number;
  queue: number;
  maxWaitMs: number;
}

/** What a worker thread does (password-worker.js). */
export type PasswordJob = { kind: "hash"; password: string; cost: number } | { kind: "compare"; password: string; hash: string };

export type PasswordTask = PasswordJob & {
  /** When (epoch ms) the task has waited too long for a thread: it is then not run, and its caller answered TOO_MANY_REQUESTS. */
  notAfter: number;
};

/** The worker beside this file, JavaScript in the sources and once compiled alike: it needs no require hook. */
const WORKER_FILE = path.join(__dirname, "password-worker.js");
/** Piscina refuses a task with one of these when every thread is busy and the queue is full (it exports no error class). */
const QUEUE_FULL_MESSAGES = new Set(["Task queue is at limit", "No task queue available and all Workers are busy"]);
/**
 * The threads yield to the rest of the machine (Linux nice 10, through piscina's optional @napi-rs/nice):
 * the subgraph's event loop, the gateway and the database come first. Not 19: on a machine busy with
 * other work, a thread at 19 gets next to nothing, and logins would only ever be refused.
 */
const THREAD_NICENESS = 10;

/**
 * bcrypt takes a few hundred milliseconds of CPU a hash at cost 12: on the event
 * loop, a flood of logins stalled every other request of the subgraph. It runs
 * in a small pool of worker threads instead, started with the subgraph, behind
 * a queue bounded in length (BCRYPT_QUEUE) and in waiting time
 * (BCRYPT_MAX_WAIT_MS): beyond either, the call answers TOO_MANY_REQUESTS with a
 * Retry-After rather than keeping its caller waiting past the gateway's timeout.
 * A hash that has started always finishes (stopping it would mean ending its thread).
 */
export class Passwords {
  private constructor(
    private readonly settings: HashingSettings,
    /** Compared against when there is no account, so that an unknown email costs the same time as a wrong password. */
    private readonly dummyHash: string,
    private readonly pool: Piscina<PasswordTask, string | boolean | null>,
    private readonly counts: { done: Counter<"task">; refused: Counter<"task"> } | undefined,
  ) {}

  /**
   * The dummy is a well-formed bcrypt hash at the configured cost that no password
   * produces: comparing against it takes exactly as long as against a real one, and
   * it costs nothing to make (hashing one at start-up cost half a second of CPU).
   */
  static start(settings: HashingSettings, metrics?: ServiceMetrics): Passwords {
    const dummyHash = `$2b$${String(settings.cost).padStart(2, "0")}$Qx7pF2kLm9Rt4Vw8Yz1Bc.Dh3Gj6Np0Sq5Uv/Xa2Ce4Fg7Hi9Kl1M`;
    const pool = new Piscina<PasswordTask, string | boolean | null>({
      filename: WORKER_FILE,
      // Not the process's (a service's --require of lib/processes.ts): the worker is JavaScript.
      execArgv: [],
      // All started now, so that no request waits for a thread to load.
      minThreads: settings.threads,
      maxThreads: settings.threads,
      maxQueue: settings.queue,
      niceIncrement: THREAD_NICENESS,
    });
    const counts = metrics && {
      done: metrics.counter("shop_bcrypt_tasks_total", "Password hashes and checks run by the bcrypt worker threads", ["task"]),
      refused: metrics.counter(
        "shop_bcrypt_refused_total",
        "Password hashes and checks refused (TOO_MANY_REQUESTS): the queue was full, or the wait longer than BCRYPT_MAX_WAIT_MS",
        ["task"],
      ),
    };
    metrics?.gauge("shop_bcrypt_queue_size", "Password hashes and checks waiting for a bcrypt thread", [], (gauge) =>
      gauge.set(pool.queueSize),
    );
    return new Passwords(settings, dummyHash, pool, counts);
  }

  async hash(password: string): Promise<string> {
    return (await this.run({ kind: "hash", password, cost: this.settings.cost })) as string;
  }

  /**
   * A hash made at another cost (accounts from before BCRYPT_COST changed):
   * rehashed at the next successful login, so that a wrong password costs the
   * same time as an unknown email for that account too.
   */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) !== this.settings.cost;
  }

  /** Exactly one bcrypt comparison whatever the input, so the answer's timing says nothing about the account. */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const usable = hash !== undefined && byteLength(password) <= MAX_PASSWORD_BYTES;
    const matches = await this.run({ kind: "compare", password, hash: usable ? hash : this.dummyHash });
    return usable && matches === true;
  }

  /** Stops the threads (a task still running is abandoned: its caller gets an error). */
  close(): Promise<void> {
    return this.pool.destroy();
  }

  private async run(job: PasswordJob): Promise<string | boolean> {
    let result: string | boolean | null;
    try {
      result = await this.pool.run({ ...job, notAfter: Date.now() + this.settings.maxWaitMs });
    } catch (error) {
      if (!(error instanceof Error && QUEUE_FULL_MESSAGES.has(error.message))) throw error;
      result = null;
    }
    if (result === null) {
      this.counts?.refused.inc({ task: job.kind });
      // What waits now has started, or been refused, within BCRYPT_MAX_WAIT_MS.
      const wait = Math.max(1, Math.ceil(this.settings.maxWaitMs / 1000));
      throw tooManyRequests(`Too many sign-ins and registrations at once; try again in ${wait} seconds`, wait);
    }
    this.counts?.done.inc({ task: job.kind });
    return result;
  }
}
