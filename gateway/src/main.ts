import "./tracing";
import {
  circuitBreakerSettingsOf,
  authModeOf,
  graphqlLimitsOf,
  introspectionEnabled,
  metricsSettingsOf,
  orderEventsSettingsOf,
  playgroundEnabled,
  readEnv,
  subgraphUrls,
  trustedDocumentsModeOf,
  subscriptionLimitsOf,
} from "../../lib/config";
import { createLogger } from "../../lib/logger";
import { serveMetrics } from "../../lib/observability/metrics-server";
import { connectRedis } from "../../lib/rate-limit";
import { resolveSecrets } from "../../lib/secrets";
import { runService } from "../../lib/run-service";
import { startRestShim } from "../../rest-shim/src/shim";
import { startGateway } from "./gateway";
import { readSupergraph, SUPERGRAPH_FILE } from "./supergraph";

const env = readEnv();
const logger = createLogger("gateway", env.LOG_LEVEL);
runService(logger, async () => {
  const secrets = resolveSecrets(env, logger);
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL, logger) : undefined;
  const gateway = await startGateway({
    port: env.GATEWAY_PORT,
    host: env.HOST,
    subgraphUrls: subgraphUrls(env),
    supergraphSdl: readSupergraph(),
    supergraphSource: { file: SUPERGRAPH_FILE, url: env.SUPERGRAPH_URL, pollIntervalMs: env.SUPERGRAPH_POLL_INTERVAL_MS },
    jwtSecret: secrets.jwtSecret,
    serviceToken: secrets.serviceToken,
    authMode: authModeOf(env),
    limits: graphqlLimitsOf(env),
    playground: playgroundEnabled(env),
    introspection: introspectionEnabled(env),
    apq: env.GRAPHQL_APQ === "true" && { ttlSeconds: env.GRAPHQL_APQ_TTL_SECONDS, memoryMb: env.GRAPHQL_APQ_MEMORY_MB },
    trustedDocuments: { mode: trustedDocumentsModeOf(env), file: env.GRAPHQL_TRUSTED_DOCUMENTS_FILE },
    rateLimits: {
      perClientPerMinute: env.GRAPHQL_RATE_LIMIT_PER_MINUTE,
      perUserPerMinute: env.GRAPHQL_USER_RATE_LIMIT_PER_MINUTE,
    },
    redis,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
    accountCacheTtlSeconds: env.ACCOUNT_CACHE_TTL_SECONDS,
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    circuitBreaker: circuitBreakerSettingsOf(env),
    metrics: metricsSettingsOf("gateway", env),
    orderEvents: orderEventsSettingsOf(env),
    subscriptionLimits: subscriptionLimitsOf(env),
    logger,
  });
  // The legacy REST API is served by this process, through the gateway in it (no HTTP hop between them).
  const restShim = await startRestShim({
    gateway: gateway.inProcess,
    host: env.HOST,
    ports: {
      legacyGateway: env.REST_GATEWAY_PORT,
      users: env.REST_USERS_PORT,
      products: env.REST_PRODUCTS_PORT,
      orders: env.REST_ORDERS_PORT,
    },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    sharedRateLimit: redis && { redis, keyPrefix: env.REDIS_KEY_PREFIX },
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS,
    logger: createLogger("rest-shim", env.LOG_LEVEL),
  });
  // Opened last, after every public port: a scrape that answers means the whole process started.
  const metricsServer = await serveMetrics(gateway.inProcess.metrics, logger);
  return {
    close: async () => {
      await metricsServer?.close();
      await restShim.close();
      await gateway.close();
      redis?.disconnect();
    },
  };
});
