import type { RequestHandler } from "express";

/**
 * CORS for browsers calling the gateway-style port: any origin (the API uses
 * bearer tokens, not cookies), and OPTIONS preflights answered here.
 */
export interface CorsOptions {
  /** Access-Control-Allow-Origin. Default "*". */
  origin?: string;
  /** How long a browser may cache a preflight, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

const ALLOWED_METHODS = "GET, POST, PATCH, OPTIONS";
const ALLOWED_HEADERS = "Content-Type, Authorization";
const EXPOSED_HEADERS = "RateLimit, RateLimit-Policy, Retry-After";

export function cors({ origin = "*", maxAgeSeconds = 600 }: CorsOptions = {}): RequestHandler {
  return (req, res, next) => {
    res.set("Access-Control-Allow-Origin", origin);
    res.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    if (req.method !== "OPTIONS") return next();
    res.set({
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": String(maxAgeSeconds),
    });
    res.status(204).end();
  };
}
