import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

/**
 * The one way the platform counts attempts (failed logins, requests per
 * client): rate-limiter-flexible, on Redis when REDIS_URL is set, so that
 * every process of a service shares the counts, and in process memory
 * otherwise.
 */
export type RateLimiter = RateLimiterAbstract;
export { RateLimiterRes };

export interface RateLimiterOptions {
  /** Names the counter (and its keys in Redis): "login-account", "graphql-client" … */
  keyPrefix: string;
  /** Attempts allowed per window. */
  points: number;
  windowSeconds: number;
  /** From connectRateLimitStore; memory when undefined. */
  store?: Redis;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const common = { keyPrefix: options.keyPrefix, points: options.points, duration: options.windowSeconds };
  if (!options.store) return new RateLimiterMemory(common);
  // Redis down: fall back to this process's own count rather than fail every login.
  return new RateLimiterRedis({ ...common, storeClient: options.store, insuranceLimiter: new RateLimiterMemory(common) });
}

/** A Redis connection for rate limiters, or undefined (memory) when no URL is configured. Close it with `quit()`. */
export function connectRateLimitStore(redisUrl: string | undefined): Redis | undefined {
  if (!redisUrl) return undefined;
  // No offline queue: a limiter must answer now (from its memory insurance) rather than wait for Redis.
  return new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

/** Whole seconds until a refused caller may try again (at least 1), for `Retry-After`. */
export function retryAfterSeconds(refusal: RateLimiterRes): number {
  return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
}
