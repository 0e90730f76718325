import "./tracing";
import { authModeOf, readEnv } from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { connectRedis } from "../../lib/rate-limit";
import { runService } from "../../lib/run-service";
import { startRestShim } from "./shim";

const env = readEnv();
const logger = createLogger("rest-shim", env.LOG_LEVEL);
runService(logger, async () => {
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL, logger) : undefined;
  const shim = await startRestShim({
    gatewayUrl: env.GATEWAY_URL,
    host: env.HOST,
    ports: {
      legacyGateway: env.REST_GATEWAY_PORT,
      users: env.REST_USERS_PORT,
      products: env.REST_PRODUCTS_PORT,
      orders: env.REST_ORDERS_PORT,
    },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    sharedRateLimit: redis && { redis, keyPrefix: env.REDIS_KEY_PREFIX },
    gatewayTimeoutMs: env.GATEWAY_CALL_TIMEOUT_MS,
    authMode: authModeOf(env),
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    logger,
  });
  return {
    close: async () => {
      await shim.close();
      redis?.disconnect();
    },
  };
});
