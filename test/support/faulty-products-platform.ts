import { createTestDatabases, type TestDatabases } from "./databases";
import { startFaultProxy, type FaultProxy } from "./fault-proxy";
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from "./platform";

/**
 * A platform on fresh PostgreSQL databases whose orders service reaches
 * products through a fault proxy (./fault-proxy.ts): the set-up the fault and
 * circuit-breaker suites share. `stop` closes all three.
 */
export interface FaultyProductsPlatform {
  databases: TestDatabases;
  platform: TestPlatform;
  /** Between orders and products. */
  proxy: FaultProxy;
  stop(): Promise<void>;
}

export async function startFaultyProductsPlatform(
  options: Omit<TestPlatformOptions, "ordersReachProductsAt"> = {},
): Promise<FaultyProductsPlatform> {
  const databases = await createTestDatabases("postgres", { migrated: true });
  let proxy: FaultProxy | undefined;
  let platform: TestPlatform;
  try {
    platform = await startTestPlatform(databases.configs, {
      ...options,
      ordersReachProductsAt: async (productsUrl) => {
        proxy = await startFaultProxy(new URL(productsUrl).origin);
        return `${proxy.url}/graphql`;
      },
    });
  } catch (error) {
    // Nothing of a platform that did not start is left behind.
    await proxy?.close();
    await databases.drop();
    throw error;
  }
  return {
    databases,
    platform,
    proxy: proxy!,
    stop: async () => {
      await platform.stop();
      await proxy?.close();
      await databases.drop();
    },
  };
}
