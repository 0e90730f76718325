import express, { type Express } from "express";
import type { Logger } from "../../lib/logger";
import { apiReference } from "./api-reference";
import type { GatewayClient } from "./gateway-client";
import { cors } from "./middleware/cors";
import { errorHandler, notFound } from "./middleware/errors";
import { jsonBody } from "./middleware/json-body";
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
}

/**
 * The one place the pieces are put together. Every port parses JSON bodies
 * and answers errors as JSON; the gateway-style port also logs each request,
 * speaks CORS and limits each client's rate, as the legacy gateway did.
 */
export function buildApp(kind: PortKind, deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  if (kind === "gateway") {
    app.use(requestLog(deps.logger));
    app.use(cors());
    app.use(perClientRateLimit(deps.rateLimitPerMinute));
  }
  app.use(apiReference());
  app.use(jsonBody(deps.maxBodyBytes));
  app.use(routerFor(portRoutes(kind), deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
