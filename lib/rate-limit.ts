import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "./logger";

/**
 * The one way the platform counts attempts (failed logins, requests per client
 * or user): rate-limiter-flexible's fixed windows, kept in Redis when the
 * platform has one, so that every replica of a service counts against the
 * same limit, and in this process's memory otherwise. Should Redis stop
 * answering, each process falls back to its own memory counts rather than
 * refusing or letting everything through.
 */
export type RateLimiter = RateLimiterAbstract;
export { RateLimiterRes };

export interface RateLimiterOptions {
  /** Names the counter (and its keys in Redis): "login-account", "graphql-client" … */
  keyPrefix: string;
  /** Attempts allowed per window. */
  points: number;
  windowSeconds: number;
}

/**
 * The counters of one service, all in one store: Redis when given (connectRedis), this process's memory otherwise.
 * Its close forgets the counts held in memory: each has a timer that deletes it when its window ends (up to an
 * hour for the account throttles), and that timer would otherwise hold the stopped service, and everything its
 * callback reaches, in the process until then (an in-process restart; the tests, which start hundreds of platforms
 * in a few processes). Counts in Redis stay, for the other replicas.
 */
export class RateLimiters {
  /** The in-memory counters: each limiter's without Redis, Redis's stand-in (its insurance limiter) with it. */
  private readonly inMemory: RateLimiterMemory[] = [];

  constructor(private readonly store?: Redis) {}

  create(options: RateLimiterOptions): RateLimiter {
    const settings = { keyPrefix: options.keyPrefix, points: options.points, duration: options.windowSeconds };
    const memory = new RateLimiterMemory(settings);
    this.inMemory.push(memory);
    if (!this.store) return memory;
    return new RateLimiterRedis({ ...settings, storeClient: this.store, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  }

  close(): void {
    for (const limiter of this.inMemory) forgetMemoryCounts(limiter);
  }
}

/**
 * rate-limiter-flexible offers no way to drop a memory limiter's counts at once; they are its `_memoryStorage`'s
 * records, and that store's own delete() clears each record's timer. (test/rate-limits.e2e.test.ts fails should
 * that change.)
 */
function forgetMemoryCounts(limiter: RateLimiterMemory): void {
  const storage = (limiter as unknown as { _memoryStorage?: { _storage?: Map<string, unknown>; delete(key: string): boolean } })
    ._memoryStorage;
  for (const key of [...(storage?._storage?.keys() ?? [])]) storage!.delete(key);
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one attempt for `key`; says whether it is allowed and, if not, in how many seconds to retry. */
export async function tryConsume(limiter: RateLimiter, key: string): Promise<Verdict> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: retryAfterSeconds(rejection) };
    throw rejection;
  }
}

/** Whole seconds until a refused caller may try again (at least 1), for `Retry-After`. */
export function retryAfterSeconds(refusal: RateLimiterRes): number {
  return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
}

export interface RedisConnectionOptions {
  /** What the service does without Redis, for the one warning logged when it becomes unreachable. */
  whileDown?: string;
  /** Fail a command that gets no answer within this time (a hung Redis must not hang requests); none by default. */
  commandTimeoutMs?: number;
}

/**
 * A Redis connection for shared state. Commands are not queued while it is
 * disconnected (the limiters answer from memory, the products cache reads the
 * database, instead of waiting).
 */
export function connectRedis(url: string, logger: Logger, options: RedisConnectionOptions = {}): Redis {
  // Loaded only when a service is given REDIS_URL: the others (and most test suites) do not pay for the client.
  const { Redis: RedisClient } = require("ioredis") as typeof import("ioredis");
  const redis = new RedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
  });
  let reported = false;
  redis.on("error", (error: Error) => {
    if (!reported)
      logger.warn(
        { err: error },
        `Redis is unreachable; ${options.whileDown ?? "limits count in this process"} until it is back`,
      );
    reported = true;
  });
  redis.on("ready", () => {
    reported = false;
  });
  return redis;
}
