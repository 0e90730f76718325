import type { RequestHandler } from "express";
import { RateLimiterRes, retryAfterSeconds, type RateLimiter } from "../../../lib/rate-limit";

/**
 * At most `counter.points` requests per client address in any window of
 * `counter.duration` seconds (the legacy gateway allowed 100 a minute); beyond that, 429
 * `{"error":"Rate limit exceeded"}` with a Retry-After header. The client is
 * req.ip: the connection's address, or what X-Forwarded-For says when the
 * connection comes from a proxy named in TRUST_PROXY (anyone else could send
 * it). Health checks are exempt: supervisors (and `npm start`) poll them
 * several times a second while the platform starts.
 *
 * Counted by the shim's `RateLimiters` (shim.ts, lib/rate-limit.ts): with
 * REDIS_URL every gateway process counts in the same Redis (falling back to
 * this process's memory while Redis is away); otherwise each counts alone.
 * Every answer says the policy and what is left in the IETF draft's
 * `RateLimit-Policy` and `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers-08).
 */
export function perClientRateLimit(counter: RateLimiter): RequestHandler {
  const { points, duration } = counter;
  const policy = `"${points}-in-${duration / 60}min"`; // the shim's window is a minute (shim.ts)
  const describe = (res: Parameters<RequestHandler>[1], counted: RateLimiterRes) => {
    res.set("RateLimit-Policy", `${policy}; q=${points}; w=${duration}`);
    res.set("RateLimit", `${policy}; r=${counted.remainingPoints}; t=${retryAfterSeconds(counted)}`);
  };
  return (req, res, next) => {
    if (req.path === "/health") return next();
    counter.consume(req.ip ?? req.socket.remoteAddress ?? "unknown").then(
      (counted) => {
        describe(res, counted);
        next();
      },
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) return next(refusal);
        describe(res, refusal);
        res.set("Retry-After", String(retryAfterSeconds(refusal)));
        res.status(429).json({ error: "Rate limit exceeded" });
      },
    );
  };
}
