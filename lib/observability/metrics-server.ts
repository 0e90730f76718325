import { createHttpApp, jsonErrors } from "../http-app";
import { listen, type RunningServer } from "../http-server";
import type { Logger } from "../logger";
import type { ServiceMetrics } from "./metrics";

/**
 * A process's own metrics listener (METRICS_PORT and the like, METRICS_HOST):
 * GET /metrics and nothing else, so that the public ports need not serve it
 * (docs/operations.md, "Metrics"). Undefined when the settings ask for none
 * (development: /metrics is on the service's own ports, lib/observability/http.ts).
 */
export async function serveMetrics(metrics: ServiceMetrics, logger: Logger): Promise<RunningServer | undefined> {
  const { listener } = metrics.settings;
  if (!listener) return undefined;
  // Only Prometheus calls here: no CORS, no proxy believed, no request log (it would log every scrape).
  const app = createHttpApp();
  app.get("/metrics", metrics.endpoint());
  app.use(...jsonErrors("graphql", logger));
  const server = await listen(app, listener.port, listener.host);
  logger.info({ url: `${server.url}/metrics` }, "metrics ready");
  return server;
}
