import type { Express } from "express";
import { createHttpApp, jsonBody } from "../../lib/http-app";
import type { Logger } from "../../lib/logger";
import type { GatewayClient } from "./gateway-client";
import { errorHandler, notFound } from "./middleware/errors";
import { perClientRateLimit } from "./middleware/rate-limit";
import { requestLog } from "./middleware/request-log";
import { portRoutes, type PortKind } from "./ports";
import { routerFor, type ServiceUrls } from "./routing";

export interface AppDeps {
  gateway: GatewayClient;
  serviceUrls(): ServiceUrls;
  logger: Logger;
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy: readonly string[];
  /** Origins browsers may call port 8000 from (CORS_ORIGINS). */
  corsOrigins: readonly string[];
}

/**
 * The one place the pieces are put together. Every port sends security
 * headers, parses JSON bodies and answers errors as JSON (lib/http-app.ts);
 * the gateway-style port also logs each request, speaks CORS and limits each
 * client's rate, as the legacy gateway did.
 */
export function buildApp(kind: PortKind, deps: AppDeps): Express {
  const app = createHttpApp({
    trustProxy: deps.trustProxy,
    ...(kind === "gateway" && {
      corsOrigins: deps.corsOrigins,
      corsExposedHeaders: ["RateLimit", "RateLimit-Policy", "Retry-After"],
    }),
  });
  if (kind === "gateway") {
    app.use(requestLog(deps.logger));
    app.use(perClientRateLimit(deps.rateLimitPerMinute));
  }
  app.use(jsonBody(deps.maxBodyBytes));
  app.use(routerFor(portRoutes(kind), deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
