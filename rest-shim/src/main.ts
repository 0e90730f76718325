import "./tracing";
import { authModeOf, readEnv } from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { runService } from "../../lib/run-service";
import { startRestShim } from "./shim";

const env = readEnv();
const logger = createLogger("rest-shim", env.LOG_LEVEL);
runService(logger, () =>
  startRestShim({
    gatewayUrl: env.GATEWAY_URL,
    host: env.HOST,
    ports: {
      gateway: env.REST_GATEWAY_PORT,
      users: env.REST_USERS_PORT,
      products: env.REST_PRODUCTS_PORT,
      orders: env.REST_ORDERS_PORT,
    },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    gatewayTimeoutMs: env.GATEWAY_CALL_TIMEOUT_MS,
    authMode: authModeOf(env),
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    logger,
  }),
);
