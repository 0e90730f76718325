import type { ErrorRequestHandler, RequestHandler } from "express";
import { describeHttpFailure } from "../../../lib/http-app";
import type { Logger } from "../../../lib/logger";
import { RestError } from "../rest-error";

/**
 * The last stop of every failure: always `{"error": message}` JSON with a
 * fitting status, never a stack. Unexpected errors are logged and answered
 * with a bare 500. The gateway's coded errors never get here: routing.ts
 * answers them, with the route's own statuses.
 */

export const notFound: RequestHandler = () => {
  throw new RestError(404, "Not found");
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, message } = describe(error);
    if (status >= 500) logger.error({ err: error, method: req.method, path: req.originalUrl.split("?")[0] }, "request failed");
    res.status(status).json({ error: message });
  };
}

function describe(error: unknown): { status: number; message: string } {
  if (error instanceof RestError) return { status: error.status, message: error.message };
  // Bodies that are not JSON, too large or malformed; paths that cannot be decoded.
  return describeHttpFailure(error) ?? { status: 500, message: "Internal server error" };
}
