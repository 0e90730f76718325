import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";

/**
 * At most `limitPerMinute` requests per client address in any one-minute
 * window (the legacy gateway allowed 100); beyond that, 429
 * `{"error":"Rate limit exceeded"}` with a Retry-After header. The client is
 * req.ip: the connection's address, or what X-Forwarded-For says when the
 * connection comes from a proxy named in TRUST_PROXY (anyone else could send
 * it). Health checks are exempt: supervisors (and `npm start`) poll them
 * several times a second while the platform starts.
 */
export function perClientRateLimit(limitPerMinute: number): RequestHandler {
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
  });
}
