import type { RequestHandler } from "express";
import { rateLimit, type Store } from "express-rate-limit";
import type { Redis } from "ioredis";
import { createRateLimiter, type RateLimiter } from "../../../lib/rate-limit";

/**
 * At most `limitPerMinute` requests per client address in any one-minute
 * window (the legacy gateway allowed 100); beyond that, 429
 * `{"error":"Rate limit exceeded"}` with a Retry-After header. The client is
 * req.ip: the connection's address, or what X-Forwarded-For says when the
 * connection comes from a proxy named in TRUST_PROXY (anyone else could send
 * it). Health checks are exempt: supervisors (and `npm start`) poll them
 * several times a second while the platform starts.
 *
 * With `shared` (REDIS_URL) every gateway process counts in the same Redis,
 * through the platform's one counter (lib/rate-limit.ts, which falls back to
 * this process's memory while Redis is away); otherwise each counts alone.
 */
export function perClientRateLimit(limitPerMinute: number, shared?: { redis: Redis; keyPrefix: string }): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    // X-Forwarded-For from an untrusted peer is ignored on purpose; no need to warn about it.
    validate: { xForwardedForHeader: false },
    skip: (req) => req.path === "/health",
    handler: (_req, res) => {
      res.status(429).json({ error: "Rate limit exceeded" });
    },
    ...(shared && {
      store: new CounterStore(
        createRateLimiter({
          keyPrefix: `${shared.keyPrefix}:rest-client`,
          points: limitPerMinute,
          windowSeconds: 60,
          store: shared.redis,
        }),
      ),
    }),
  });
}

/** express-rate-limit's store interface over lib/rate-limit.ts's counter: express-rate-limit decides, the counter counts. */
class CounterStore implements Store {
  constructor(private readonly counter: RateLimiter) {}

  async increment(key: string) {
    // penalty() counts without refusing; express-rate-limit compares the total with the limit.
    const counted = await this.counter.penalty(key, 1);
    return { totalHits: counted.consumedPoints, resetTime: new Date(Date.now() + counted.msBeforeNext) };
  }

  async decrement(key: string) {
    await this.counter.reward(key, 1);
  }

  async resetKey(key: string) {
    await this.counter.delete(key);
  }
}
