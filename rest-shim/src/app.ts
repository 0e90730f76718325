import type { Express } from "express";
import { createHttpApp, jsonBody } from "../../lib/http-app";
import type { Logger } from "../../lib/logger";
import type { RateLimiter } from "../../lib/rate-limit";
import { observeHttp } from "../../lib/observability/http";
import type { ServiceMetrics } from "../../lib/observability/metrics";
import { apiReference } from "./api-reference";
import type { GatewayClient } from "../../gateway/src/gateway-client";
import { errorHandler, notFound } from "./middleware/errors";
import { perClientRateLimit } from "./middleware/rate-limit";
import { isLegacyGateway, portRoutes, type PortKind } from "./ports";
import { routerFor, type ServiceUrls } from "./routing";

export interface AppDeps {
  gateway: GatewayClient;
  serviceUrls(): ServiceUrls;
  logger: Logger;
  /** The gateway process's registry, for the four ports too: one process, one registry. */
  metrics: ServiceMetrics;
  /** Port 8000's per-client counts (made by shim.ts from RestShimSettings.rateLimitPerMinute). */
  legacyGatewayRateLimit: RateLimiter;
  maxBodyBytes: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy: readonly string[];
  /** Origins browsers may call port 8000 from (CORS_ORIGINS). */
  corsOrigins: readonly string[];
}

/**
 * The one place the pieces are put together. Every port sends security
 * headers (lib/http-app.ts), logs each request with its request id, serves
 * /metrics, /health/live, /health/ready and /docs, parses JSON bodies and answers errors as JSON; the
 * legacy gateway port (8000) also speaks CORS and limits each client's rate,
 * as the legacy gateway did.
 */
export function buildApp(kind: PortKind, deps: AppDeps): Express {
  const app = createHttpApp({
    trustProxy: deps.trustProxy,
    etags: true,
    compress: true,
    ...(isLegacyGateway(kind) && {
      corsOrigins: deps.corsOrigins,
      corsExposedHeaders: ["RateLimit", "RateLimit-Policy", "Retry-After"],
    }),
  });
  observeHttp(app, deps.logger, deps.metrics);
  // The process's liveness and readiness, before the rate limit: probes are not clients.
  app.use(deps.gateway.healthRoutes);
  if (isLegacyGateway(kind)) {
    app.use(perClientRateLimit(deps.legacyGatewayRateLimit));
  }
  app.use(apiReference());
  app.use(jsonBody(deps.maxBodyBytes));
  app.use(routerFor(portRoutes(kind), deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
