import type { Express } from "express";
import type { Logger } from "../logger";
import type { ServiceMetrics } from "./metrics";
import { requestLog } from "./request-log";

/**
 * What every HTTP service of the platform puts first on its app: the request
 * log with its request id, the HTTP metrics, and GET /metrics.
 */
export function observeHttp(app: Express, logger: Logger, metrics: ServiceMetrics): void {
  app.use(requestLog(logger));
  app.use(metrics.httpMiddleware());
  app.get("/metrics", metrics.endpoint());
}
