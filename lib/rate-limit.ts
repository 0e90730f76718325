import { Redis } from "ioredis";
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
  /** The shared store (connectRedis); in-process memory when absent. */
  store?: Redis;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const settings = { keyPrefix: options.keyPrefix, points: options.points, duration: options.windowSeconds };
  if (!options.store) return new RateLimiterMemory(settings);
  return new RateLimiterRedis({
    ...settings,
    storeClient: options.store,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(settings),
  });
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
  const redis = new Redis(url, {
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
