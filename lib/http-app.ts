import compression from "compression";
import cors from "cors";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import helmet from "helmet";
import { ErrorCode } from "./errors";
import type { Logger } from "./logger";

/**
 * The HTTP plumbing every service shares (the gateway, the subgraphs, the REST
 * shim's four ports), written once: security headers (helmet), which proxies
 * are believed about the client's address (`trust proxy`), CORS, compressed
 * answers, JSON bodies with a size limit, and failures answered as JSON, never
 * as Express's HTML page with a stack.
 */
export interface HttpAppOptions {
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`, …); empty: nobody. */
  trustProxy?: readonly string[];
  /** Origins browsers may call from (`*` for any); undefined: no CORS headers at all. */
  corsOrigins?: readonly string[];
  /** Response headers browsers may read across origins (rate-limit headers, say). */
  corsExposedHeaders?: readonly string[];
  /** The gateway's self-hosted playground (GraphiQL) runs inline scripts: no CSP for it. */
  servesPlayground?: boolean;
  /**
   * ETags on answers, for clients' conditional GETs (the legacy REST API, as it always had them). Off for GraphQL:
   * Express would hash every POST answer for a header no client of a POST uses.
   */
  etags?: boolean;
  /**
   * gzip or brotli for answers over COMPRESSION_THRESHOLD_BYTES, as the client's Accept-Encoding asks (the public
   * ports: /graphql and the REST API). Off for the subgraphs, whose only callers are on the platform's network.
   */
  compress?: boolean;
}

/** Smaller answers gain too little to be worth the CPU (and gzip's own 20 bytes of framing). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * The `compression` middleware: brotli (at quality 4, its default, about gzip's cost) when the client accepts it,
 * else gzip, and `Vary: Accept-Encoding` on every answer it could have compressed. A stream of events
 * (`text/event-stream`, nothing serves one yet) is never compressed: compression buffers, and would hold each event
 * back. A streamed answer of another type would have to call `res.flush()` after each part.
 */
function compressAnswers(): RequestHandler {
  return compression({
    threshold: COMPRESSION_THRESHOLD_BYTES,
    filter: (req, res) =>
      !/^text\/event-stream/i.test(String(res.getHeader("content-type") ?? "")) && compression.filter(req, res),
  });
}

export function createHttpApp(options: HttpAppOptions = {}): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", options.etags ?? false);
  // Express reads req.ip from X-Forwarded-For only when the peer is one of these proxies.
  app.set("trust proxy", options.trustProxy?.length ? [...options.trustProxy] : false);
  app.use(
    helmet({
      // An API for other origins' pages (CORS decides which), not a same-origin resource.
      crossOriginResourcePolicy: false,
      ...(options.servesPlayground && { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }),
    }),
  );
  if (options.corsOrigins) {
    const origins = options.corsOrigins;
    app.use(
      cors({
        origin: origins.includes("*") ? "*" : [...origins],
        methods: ["GET", "HEAD", "POST", "PATCH", "OPTIONS"],
        allowedHeaders: ["Content-Type", "Authorization", "Apollo-Require-Preflight"],
        exposedHeaders: [...(options.corsExposedHeaders ?? [])],
        maxAge: 600,
      }),
    );
  }
  if (options.compress) app.use(compressAnswers());
  return app;
}

/** How a service words its failures: GraphQL's `{"errors": [...]}` or the legacy REST `{"error": "..."}`. */
export type ErrorShape = "graphql" | "rest";

export function errorBody(shape: ErrorShape, message: string, code: string): unknown {
  return shape === "graphql" ? { errors: [{ message, extensions: { code } }] } : { error: message };
}

/** A failure this module answers itself, with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = status === 429 ? ErrorCode.TOO_MANY_REQUESTS : "BAD_REQUEST",
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * Request bodies are JSON (an object or an array) or nothing: another content
 * type is 415, a body over `limitBytes` is 413, malformed JSON or a bare
 * scalar such as `0` is 400 (the last ones via jsonErrors).
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      // null: no body at all; false: a body of another type.
      if (req.is("application/json") === false) throw new HttpError(415, "Content-Type must be application/json");
      next();
    },
    express.json({ limit: limitBytes, strict: true }),
  ];
}

/** body-parser's and the router's own failures (http-errors `type`s), in words safe to show. */
const KNOWN_FAILURES: Record<string, { status: number; message: string }> = {
  "entity.parse.failed": { status: 400, message: "Invalid JSON" },
  "entity.too.large": { status: 413, message: "Request body too large" },
  "entity.verify.failed": { status: 400, message: "Invalid request body" },
  "charset.unsupported": { status: 415, message: "Unsupported charset" },
  "encoding.unsupported": { status: 415, message: "Unsupported content encoding" },
  "request.aborted": { status: 400, message: "Request aborted" },
  "request.size.invalid": { status: 400, message: "Request size did not match Content-Length" },
  "stream.encoding.set": { status: 500, message: "Internal server error" },
};

/**
 * Status and safe message for a failure that reached the end of the chain; null
 * when it is not one this module knows (the caller then answers 500, or maps it).
 */
export function describeHttpFailure(error: unknown): { status: number; message: string; code: string } | null {
  if (error instanceof HttpError) return { status: error.status, message: error.message, code: error.code };
  if (typeof error !== "object" || error === null) return null;
  const known = "type" in error ? KNOWN_FAILURES[String(error.type)] : undefined;
  if (known) return { ...known, code: known.status >= 500 ? ErrorCode.INTERNAL_SERVER_ERROR : "BAD_REQUEST" };
  // The router's failure to decode a path (`/users/%ff`) is a URIError with status 400.
  if (error instanceof URIError) return { status: 400, message: "Malformed URL encoding", code: "BAD_REQUEST" };
  const status = "status" in error ? Number(error.status) : NaN;
  if (status >= 400 && status < 500) return { status, message: "Bad request", code: "BAD_REQUEST" };
  return null;
}

/** The last two stops of every app: an unknown path is a JSON 404, and any failure a JSON answer without internals. */
export function jsonErrors(shape: ErrorShape, logger: Logger): [RequestHandler, ErrorRequestHandler] {
  const notFound: RequestHandler = () => {
    throw new HttpError(404, "Not found", "NOT_FOUND");
  };
  const handler: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = describeHttpFailure(error);
    const { status, message, code } = known ?? {
      status: 500,
      message: "Internal server error",
      code: ErrorCode.INTERNAL_SERVER_ERROR,
    };
    if (status >= 500) logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    res.status(status).json(errorBody(shape, message, code));
  };
  return [notFound, handler];
}
