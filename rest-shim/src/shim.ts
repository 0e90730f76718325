import type { Redis } from "ioredis";
import { listen, type RunningServer } from "../../lib/http-server";
import { readEnv, type AuthMode } from "../../lib/config";
import type { Logger } from "../../lib/logger";
import { ServiceMetrics } from "../../lib/observability/metrics";
import { buildApp } from "./app";
import { createGatewayClient } from "./gateway-client";
import { PORT_KINDS, type PortKind } from "./ports";
import type { ServiceUrls } from "./routing";

export interface RestShimSettings {
  /** The GraphQL gateway's endpoint, e.g. http://localhost:4000/graphql. */
  gatewayUrl: string;
  host: string;
  /** 8000, 8001, 8002, 8003 in production; 0 lets the OS choose (tests). */
  ports: Record<PortKind, number>;
  /** Per client, on the legacy gateway port (8000) only. */
  rateLimitPerMinute: number;
  /** Shares the per-client counts with the other shim processes (REDIS_URL, REDIS_KEY_PREFIX). */
  sharedRateLimit?: { redis: Redis; keyPrefix: string };
  logger: Logger;
  /** Said in the start-up log; the subgraphs apply it, the shim only passes the caller's token on. */
  authMode?: AuthMode;
  /** Largest accepted JSON body. Default 100 kB. */
  maxBodyBytes?: number;
  /** How long a call to the gateway may take (GATEWAY_CALL_TIMEOUT_MS). Default: lib/config.ts's. */
  gatewayTimeoutMs?: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). Default: nobody. */
  trustProxy?: readonly string[];
  /** Origins browsers may call port 8000 from (CORS_ORIGINS). Default: any. */
  corsOrigins?: readonly string[];
}

export interface RestShim {
  urls: Record<PortKind, string>;
  close(): Promise<void>;
}

/** The legacy REST API on four ports, each call translated into GraphQL on the gateway. */
export async function startRestShim(settings: RestShimSettings): Promise<RestShim> {
  const { logger } = settings;
  let serviceUrls: ServiceUrls = { users: "", products: "", orders: "" };
  const deps = {
    gateway: createGatewayClient(settings.gatewayUrl, settings.gatewayTimeoutMs ?? readEnv({}).GATEWAY_CALL_TIMEOUT_MS),
    serviceUrls: () => serviceUrls,
    logger,
    metrics: new ServiceMetrics("rest-shim"),
    rateLimitPerMinute: settings.rateLimitPerMinute,
    sharedRateLimit: settings.sharedRateLimit,
    maxBodyBytes: settings.maxBodyBytes ?? 100_000,
    trustProxy: settings.trustProxy ?? [],
    corsOrigins: settings.corsOrigins ?? ["*"],
  };

  const started = await Promise.allSettled(
    PORT_KINDS.map((kind) => listen(buildApp(kind, deps), settings.ports[kind], settings.host)),
  );
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((server) => server.close()));
    throw failed.reason;
  }

  const byKind = Object.fromEntries(PORT_KINDS.map((kind, index) => [kind, servers[index]])) as Record<PortKind, RunningServer>;
  const urls = Object.fromEntries(PORT_KINDS.map((kind) => [kind, byKind[kind].url])) as Record<PortKind, string>;
  serviceUrls = { users: urls.users, products: urls.products, orders: urls.orders };
  logger.info(
    { urls, gatewayUrl: settings.gatewayUrl, authMode: settings.authMode },
    `REST shim ready (AUTH_MODE=${settings.authMode ?? "as the gateway's"})`,
  );
  return {
    urls,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
