import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "./logger";

/**
 * Fixed-window counters (rate-limiter-flexible) kept in Redis when the platform
 * has one, so that every replica of a service counts against the same limit,
 * and in this process's memory otherwise. Should Redis stop answering, each
 * process falls back to its own memory counters rather than refusing or
 * letting everything through.
 */
export interface RateLimiter {
  /** Counts one request for `key`; says whether it is allowed and, if not, in how many seconds to retry. */
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

export interface RateLimiterOptions {
  /** Distinguishes this limiter's keys from every other's in a shared store. */
  keyPrefix: string;
  /** Requests allowed per window. */
  points: number;
  windowSeconds: number;
  /** The shared store; in-process memory when absent. */
  redis?: Redis;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const settings = { keyPrefix: options.keyPrefix, points: options.points, duration: options.windowSeconds };
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({
        ...settings,
        storeClient: options.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(settings),
      })
    : new RateLimiterMemory(settings);
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
        throw rejection;
      }
    },
  };
}

/**
 * A Redis connection for shared counters. Commands are not queued while it is
 * disconnected (the limiters fall back to memory instead of waiting).
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  let reported = false;
  redis.on("error", (error: Error) => {
    if (!reported) logger.warn({ err: error }, "Redis is unreachable; rate limits count in this process until it is back");
    reported = true;
  });
  redis.on("ready", () => {
    reported = false;
  });
  return redis;
}
