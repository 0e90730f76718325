import type { Express } from "express";
import type { Logger } from "../logger";
import type { ServiceMetrics } from "./metrics";
import { requestLog } from "./request-log";

/**
 * What every HTTP service of the platform puts first on its app: the request
 * log with its request id, the HTTP metrics, and GET /metrics unless the
 * process serves its metrics on a listener of its own (metrics-server.ts;
 * always in production), where only Prometheus reaches them.
 */
export function observeHttp(app: Express, logger: Logger, metrics: ServiceMetrics): void {
  app.use(requestLog(logger));
  app.use(metrics.httpMiddleware());
  if (!metrics.settings.listener) app.get("/metrics", metrics.endpoint());
}
