import crypto from "node:crypto";
import { startGateway, type GatewaySettings, type RunningGateway } from "../../gateway/src/gateway";
import { readSupergraph } from "../../gateway/src/supergraph";
import { createLogger } from "../../lib/logger";
import { freePort } from "./platform-process";

/**
 * A real gateway with no subgraph behind it: each subgraph URL is a port
 * nothing listens on, so every operation fails as the platform's does when
 * its services are down. What the REST shim answers on its own (OpenAPI,
 * rate limits, bad requests) is tested in front of it, without databases.
 */
export async function startLoneGateway(settings: Partial<GatewaySettings> = {}): Promise<RunningGateway> {
  const url = async () => `http://127.0.0.1:${await freePort()}/graphql`;
  return startGateway({
    port: 0,
    host: "127.0.0.1",
    subgraphUrls: { users: await url(), products: await url(), orders: await url() },
    supergraphSdl: readSupergraph(),
    jwtSecret: crypto.randomBytes(24).toString("hex"),
    serviceToken: crypto.randomBytes(24).toString("hex"),
    authMode: "open",
    subgraphTimeoutMs: 2000,
    rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 },
    logger: createLogger("test", process.env.LOG_LEVEL ?? "silent"),
    ...settings,
  });
}
