import type { RestShimSettings } from "../../rest-shim/src/shim";
import { CleanupStack } from "./cleanup-stack";
import { createTestDatabases, type Backend, type TestDatabases } from "./databases";
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from "./platform";
import { PLATFORM_START_TIMEOUT_MS, startRestTestPlatform, type RestTestPlatform } from "./rest-platform";

/**
 * The fixture a suite (a describe block) shares: one platform per backend,
 * started by a beforeAll on fresh migrated databases and stopped, databases
 * dropped, by the afterAll, through a CleanupStack, so that whatever a
 * failed start had begun is stopped too.
 *
 * What it answers stands for the platform once the beforeAll has run (a
 * Proxy: reading it earlier, while Jest collects the tests, is refused with a
 * message rather than answering undefined), so a suite reads as before:
 *
 *   const platform = usePlatform(backend);
 *   test("…", async () => { await platform.client().request(…) });
 */
export function usePlatform(
  backend: Backend,
  options: TestPlatformOptions | (() => TestPlatformOptions) = {},
): TestPlatform & { databases: TestDatabases } {
  return useStarted("usePlatform", async (stack) => {
    const databases = await createTestDatabases(backend, { migrated: true });
    stack.defer(() => databases.drop());
    // A function is read when the platform starts: after the suite's earlier beforeAll hooks (an SMTP inbox, a proxy).
    const settings = typeof options === "function" ? options() : options;
    const platform = stack.adopt(await startTestPlatform(databases.configs, settings));
    return { ...platform, databases };
  });
}

/** As usePlatform, with the REST shim served through the gateway (rest-platform.ts). */
export function useRestPlatform(
  backend: Backend,
  shim: Partial<RestShimSettings> = {},
  options: TestPlatformOptions = {},
): RestTestPlatform {
  return useStarted("useRestPlatform", async (stack) => stack.adopt(await startRestTestPlatform(backend, shim, options)));
}

/** Starts `start` in a beforeAll, closes its stack in the afterAll; answers a stand-in for what it started. */
function useStarted<T extends object>(name: string, start: (stack: CleanupStack) => Promise<T>): T {
  const stack = new CleanupStack();
  let started: T | undefined;
  beforeAll(async () => {
    started = await start(stack);
  }, PLATFORM_START_TIMEOUT_MS);
  afterAll(async () => {
    started = undefined;
    await stack.close();
  }, PLATFORM_START_TIMEOUT_MS);
  const current = (): T => {
    if (!started) throw new Error(`${name}: the platform is not running here; use it inside a test or a later beforeAll`);
    return started;
  };
  return new Proxy({} as T, {
    get: (_target, key) => {
      const value = Reflect.get(current(), key) as unknown;
      // Methods keep the platform as `this`, not the stand-in.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(current()) : value;
    },
    has: (_target, key) => Reflect.has(current(), key),
  });
}
