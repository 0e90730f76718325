import type { RunningGateway } from "../../gateway/src/gateway";
import { createLogger, type Logger } from "../../lib/logger";
import { serveMetrics } from "../../lib/observability/metrics-server";
import { startRestShim, type RestShim, type RestShimSettings } from "../../rest-shim/src/shim";
import type { PortKind } from "../../rest-shim/src/ports";
import { CleanupStack } from "./cleanup-stack";
import { createTestDatabases, type Backend, type TestDatabases } from "./databases";
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from "./platform";
import { restClient, type RestClient } from "./rest-client";

/**
 * A fresh platform (real subgraphs and gateway on fresh databases) with the
 * REST shim served through the gateway, as the gateway's process serves it,
 * every port chosen by the OS.
 */
export interface RestTestPlatform {
  platform: TestPlatform;
  shim: RestShim;
  /** Where the gateway's process serves /metrics: its own listener with METRICS_PORT set, else the gateway's port (and the REST ports). */
  gatewayMetricsUrl: string;
  /** A REST client on one of the four ports. */
  rest(kind: PortKind): RestClient;
  stop(): Promise<void>;
}

/** For a beforeAll that starts a platform: on a busy machine, PGlite's start alone can take most of jest's default minute. */
export const PLATFORM_START_TIMEOUT_MS = 180_000;

export async function startRestTestPlatform(
  backend: Backend,
  overrides: Partial<RestShimSettings> = {},
  platformOptions: TestPlatformOptions = {},
): Promise<RestTestPlatform> {
  // Stopped in reverse order at stop(), or right away if a later step fails to start.
  const stack = new CleanupStack();
  try {
    const databases: TestDatabases = await createTestDatabases(backend, { migrated: true });
    stack.defer(() => databases.drop());
    const platform = stack.adopt(await startTestPlatform(databases.configs, platformOptions));
    const shim = await startTestRestShim(platform.gateway, {
      logger: platformOptions.loggers?.("rest-shim") ?? quietLogger(),
      ...overrides,
    });
    stack.defer(() => shim.close());
    // As gateway/src/main.ts does: the metrics listener (when there is one) opens last.
    const metricsServer = await serveMetrics(platform.gateway.inProcess.metrics, quietLogger());
    stack.defer(() => metricsServer?.close());
    return {
      platform,
      shim,
      gatewayMetricsUrl: metricsServer?.url ?? platform.gateway.url,
      rest: (kind) => restClient(shim.urls[kind]),
      stop: () => stack.close(),
    };
  } catch (error) {
    await stack.close().catch(() => undefined);
    throw error;
  }
}

/** The REST shim served through a gateway's in-process client, every port chosen by the OS, rate limits out of the way. */
export function startTestRestShim(gateway: RunningGateway, overrides: Partial<RestShimSettings> = {}): Promise<RestShim> {
  return startRestShim({
    gateway: gateway.inProcess,
    host: "127.0.0.1",
    ports: { legacyGateway: 0, users: 0, products: 0, orders: 0 },
    rateLimitPerMinute: 10_000,
    logger: quietLogger(),
    ...overrides,
  });
}

export function quietLogger(): Logger {
  return createLogger("rest-shim-test", process.env.LOG_LEVEL ?? "silent");
}
