import path from "node:path";
import {
  circuitBreakerSettingsOf,
  databaseConfigFor,
  mailSettingsOf,
  metricsSettingsOf,
  readEnv,
  securitySettingsOf,
  subgraphPort,
  subgraphUrls,
  type DatabaseConfig,
  type MailSettings,
  type MetricsSettings,
  type SecuritySettings,
  type SubgraphName,
} from "../../lib/config";
import type { BreakerSettings } from "../../lib/circuit-breaker";
import { createLogger, type Logger } from "../../lib/logger";
import { resolveSecrets, type PlatformSecrets } from "../../lib/secrets";

/** Everything a subgraph needs to start; main.ts reads it from the environment, tests build it directly. */
export interface SubgraphSettings {
  port: number;
  host: string;
  database: DatabaseConfig;
  secrets: PlatformSecrets;
  /** Auth mode, token lifetimes, password hashing and login throttling. */
  security: SecuritySettings;
  logger: Logger;
  /** Where the other subgraphs answer, for service-to-service calls. */
  subgraphUrls: Record<SubgraphName, string>;
  /** How long a service-to-service call may take before it counts as SERVICE_UNAVAILABLE. */
  serviceCallTimeoutMs: number;
  /** Products: PRODUCTS_CACHE_TTL_SECONDS (its default is lib/config.ts's, the only one). */
  productsCacheTtlSeconds: number;
  /** When a failing service is cut off, and for how long (lib/circuit-breaker.ts). */
  circuitBreaker: BreakerSettings;
  /** How long /health/ready and /health wait for the database (HEALTH_CHECK_TIMEOUT_MS); lib/config.ts's default when not given. */
  healthCheckTimeoutMs?: number;
  /** Where /metrics is served and how many unknown operation names get a label; development's defaults when not given. */
  metrics?: MetricsSettings;
  /** Users: how account emails are sent and what their links say (SMTP_URL, MAIL_FROM, PUBLIC_URL …). */
  mail: MailSettings;
}

export function subgraphSettingsFromEnv(name: SubgraphName, rawEnv = process.env): SubgraphSettings {
  const env = readEnv(rawEnv);
  const logger = createLogger(`${name}-subgraph`, env.LOG_LEVEL);
  return {
    port: subgraphPort(name, env),
    host: env.HOST,
    database: databaseConfigFor(name, env),
    secrets: resolveSecrets(env, logger),
    security: securitySettingsOf(env),
    logger,
    subgraphUrls: subgraphUrls(env),
    serviceCallTimeoutMs: env.SERVICE_CALL_TIMEOUT_MS,
    productsCacheTtlSeconds: env.PRODUCTS_CACHE_TTL_SECONDS,
    circuitBreaker: circuitBreakerSettingsOf(env),
    metrics: metricsSettingsOf(name, env),
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    mail: mailSettingsOf(env),
  };
}

/** prisma/<name>/migrations, wherever the process was started from. */
export function migrationsDirOf(name: SubgraphName): string {
  return path.resolve(__dirname, "../../prisma", name, "migrations");
}

export function schemaFileOf(name: SubgraphName): string {
  return path.resolve(__dirname, "..", name, "schema.graphql");
}
