import type { Redis } from "ioredis";
import { MAX_BODY_BYTES } from "../../lib/config";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import { RateLimiters } from "../../lib/rate-limit";
import { buildApp } from "./app";
import type { GatewayClient } from "../../gateway/src/gateway-client";
import { PORT_KINDS, type PortKind } from "./ports";
import type { ServiceUrls } from "./routing";

export interface RestShimSettings {
  /** The GraphQL gateway this process serves (RunningGateway.inProcess, gateway/src/gateway.ts). */
  gateway: GatewayClient;
  host: string;
  /** 8000, 8001, 8002, 8003 in production; 0 lets the OS choose (tests). */
  ports: Record<PortKind, number>;
  /** Per client, on the legacy gateway port (8000) only. */
  rateLimitPerMinute: number;
  /** Shares the per-client counts with the other gateway processes (REDIS_URL, REDIS_KEY_PREFIX). */
  sharedRateLimit?: { redis: Redis; keyPrefix: string };
  logger: Logger;
  /** Largest accepted JSON body. Default 100 kB. */
  maxBodyBytes?: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). Default: nobody. */
  trustProxy?: readonly string[];
  /** Origins browsers may call port 8000 from (CORS_ORIGINS). Default: any. */
  corsOrigins?: readonly string[];
}

export interface RestShim {
  urls: Record<PortKind, string>;
  close(): Promise<void>;
}

/**
 * The legacy REST API on four ports, each call translated into a GraphQL
 * operation run by the gateway in the same process (gateway/src/main.ts).
 */
export async function startRestShim(settings: RestShimSettings): Promise<RestShim> {
  const { logger } = settings;
  let serviceUrls: ServiceUrls = { users: "", products: "", orders: "" };
  // Closed with the shim: its in-memory counts would otherwise keep their timers, and this shim, for a minute.
  const rateLimiters = new RateLimiters(settings.sharedRateLimit?.redis);
  const keyPrefix = settings.sharedRateLimit ? `${settings.sharedRateLimit.keyPrefix}:rest-client` : "rest-client";
  const deps = {
    gateway: settings.gateway,
    serviceUrls: () => serviceUrls,
    logger,
    metrics: settings.gateway.metrics,
    legacyGatewayRateLimit: rateLimiters.create({ keyPrefix, points: settings.rateLimitPerMinute, windowSeconds: 60 }),
    maxBodyBytes: settings.maxBodyBytes ?? MAX_BODY_BYTES.rest,
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
    rateLimiters.close();
    throw failed.reason;
  }

  const byKind = Object.fromEntries(PORT_KINDS.map((kind, index) => [kind, servers[index]])) as Record<PortKind, RunningServer>;
  const urls = Object.fromEntries(PORT_KINDS.map((kind) => [kind, byKind[kind].url])) as Record<PortKind, string>;
  serviceUrls = { users: urls.users, products: urls.products, orders: urls.orders };
  logger.info({ urls }, "REST shim ready");
  return {
    urls,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
      rateLimiters.close();
    },
  };
}
