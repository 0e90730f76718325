import {
  apolloTelemetryEnabled,
  authModeOf,
  circuitBreakerSettingsOf,
  graphqlLimitsOf,
  introspectionEnabled,
  metricsSettingsOf,
  orderEventsSettingsOf,
  playgroundEnabled,
  readEnv,
  subgraphUrls,
  subscriptionLimitsOf,
  trustedDocumentsModeOf,
} from "../../lib/config";
import { createLogger, type Logger } from "../../lib/logger";
import { serveMetrics } from "../../lib/observability/metrics-server";
import { connectRedis } from "../../lib/rate-limit";
import { resolveSecrets } from "../../lib/secrets";
import { startRestShim, type RestShimSettings } from "../../rest-shim/src/shim";
import { startGateway, type GatewaySettings, type RunningGateway } from "./gateway";
import { readSupergraph, SUPERGRAPH_FILE } from "./supergraph";

/** Everything the gateway process runs on, read once from the environment (lib/config.ts has every default). */
export interface GatewayProcessSettings {
  gateway: Omit<GatewaySettings, "redis">;
  /** The legacy REST API, served by this process through the gateway in it. */
  rest: Omit<RestShimSettings, "gateway" | "sharedRateLimit">;
  /** Shared rate-limit counts across gateway processes (REDIS_URL); none: each process counts alone. */
  redisUrl?: string;
  redisKeyPrefix: string;
}

/** The gateway's counterpart of subgraphSettingsFromEnv (subgraphs/shared/settings.ts). */
export function gatewaySettingsFromEnv(rawEnv = process.env): GatewayProcessSettings {
  const env = readEnv(rawEnv);
  const logger = createLogger("gateway", env.LOG_LEVEL);
  const secrets = resolveSecrets(env, logger);
  return {
    gateway: {
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
      redisKeyPrefix: env.REDIS_KEY_PREFIX,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS,
      subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      accountCacheTtlSeconds: env.ACCOUNT_CACHE_TTL_SECONDS,
      healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
      circuitBreaker: circuitBreakerSettingsOf(env),
      metrics: metricsSettingsOf("gateway", env),
      apolloTelemetry: apolloTelemetryEnabled(env),
      orderEvents: orderEventsSettingsOf(env),
      subscriptionLimits: subscriptionLimitsOf(env),
      logger,
    },
    rest: {
      host: env.HOST,
      ports: {
        legacyGateway: env.REST_GATEWAY_PORT,
        users: env.REST_USERS_PORT,
        products: env.REST_PRODUCTS_PORT,
        orders: env.REST_ORDERS_PORT,
      },
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS,
      logger: createLogger("rest-shim", env.LOG_LEVEL),
    },
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
  };
}

export interface RunningGatewayProcess {
  gateway: RunningGateway;
  close(): Promise<void>;
}

/**
 * The gateway with its REST ports and its metrics listener: what gateway/src/main.ts runs, and what a test can
 * start in its own process from the same settings.
 */
export async function startGatewayProcess(settings: GatewayProcessSettings): Promise<RunningGatewayProcess> {
  const logger: Logger = settings.gateway.logger;
  const redis = settings.redisUrl ? connectRedis(settings.redisUrl, logger) : undefined;
  // What started is stopped again when a later part fails to start (a REST port taken): the caller gets that error.
  const started: { close(): Promise<void> }[] = [];
  const stopStarted = async (error: unknown): Promise<never> => {
    for (const part of started.reverse()) await part.close().catch(() => undefined);
    redis?.disconnect();
    throw error;
  };
  const gateway = await startGateway({ ...settings.gateway, redis }).catch(stopStarted);
  started.push(gateway);
  // The legacy REST API is served by this process, through the gateway in it (no HTTP hop between them).
  const restShim = await startRestShim({
    ...settings.rest,
    gateway: gateway.inProcess,
    sharedRateLimit: redis && { redis, keyPrefix: settings.redisKeyPrefix },
  }).catch(stopStarted);
  started.push(restShim);
  // Opened last, after every public port: a scrape that answers means the whole process started.
  const metricsServer = await serveMetrics(gateway.inProcess.metrics, logger).catch(stopStarted);
  return {
    gateway,
    close: async () => {
      await metricsServer?.close();
      await restShim.close();
      await gateway.close();
      redis?.disconnect();
    },
  };
}
