import type { RequestHandler } from "express";
import type { Logger } from "../../../lib/logger";

/** One structured line per finished request: method, path (no query string), status, duration in ms. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const path = req.originalUrl.split("?")[0];
    res.once("finish", () => {
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      logger.info({ method: req.method, path, status: res.statusCode, durationMs }, "request");
    });
    next();
  };
}
