import crypto from "node:crypto";
import { connectRedis, RateLimiters } from "../lib/rate-limit";
import { createLogger } from "../lib/logger";
import { LoginThrottle } from "../subgraphs/users/src/login-throttle";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { signUpCustomer, type Account } from "./support/accounts";
import { LOGIN_TOKENS } from "./support/operations";
import { PLATFORM_START_TIMEOUT_MS } from "./support/rest-platform";
import { useRestPlatform } from "./support/use-platform";

/**
 * Long enough that a busy machine fits every attempt of a test into one window. That the lock lifts once the
 * window has passed is shown on a clock the test moves (the last describe), not by waiting it out here.
 */
const WINDOW_SECONDS = 60;
const PER_ACCOUNT = 3;
const PER_ADDRESS = 6;

describe.each(BACKENDS)("failed logins are throttled (%s)", (backend) => {
  const setup = useRestPlatform(
    backend,
    {},
    {
      authMode: "enforced",
      env: {
        LOGIN_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
        LOGIN_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
        LOGIN_THROTTLE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
    },
  );
  let alice: Account;
  let bob: Account;

  beforeAll(async () => {
    alice = await signUpCustomer(setup.platform, "alice");
    bob = await signUpCustomer(setup.platform, "bob");
  }, PLATFORM_START_TIMEOUT_MS);

  const graphqlLogin = (email: string, password: string) => setup.platform.client().request(LOGIN_TOKENS, { email, password });
  const restLogin = (email: string, password: string) => setup.rest("users").post("/login", { email, password });

  test("per account: after the allowed failures, even the right password gets 429 with a Retry-After within the window", async () => {
    for (let attempt = 0; attempt < PER_ACCOUNT; attempt += 1) {
      // On GraphQL and on the legacy port 8001 alike: both are the same login.
      const failure =
        attempt % 2
          ? await restLogin(alice.email, "wrong-password")
          : await graphqlLogin(alice.email, "wrong-password").catch((e) => e);
      if (attempt % 2) expect(failure).toMatchObject({ status: 401, body: { error: "Invalid credentials" } });
      else expect(failure.response.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
    const refused = await graphqlError(graphqlLogin(alice.email, alice.password));
    expect(refused).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/^Too many failed logins/) });

    const rest = await restLogin(alice.email, alice.password);
    expect(rest.status).toBe(429);
    expect(rest.body).toEqual({ error: expect.stringMatching(/^Too many failed logins; try again in \d+ seconds$/) });
    const retryAfter = Number(rest.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);

    // Someone else's account is not locked by it.
    expect((await restLogin(bob.email, bob.password)).status).toBe(200);
  }, 180_000);

  test("per address: failures across many accounts from one client lock that client out, right password included", async () => {
    // The previous test's failures came from this address too, so the lock may come sooner than PER_ADDRESS.
    // It must come, for an account that never failed.
    let failures = 0;
    let refused = await restLogin(bob.email, bob.password);
    while (refused.status === 200) {
      expect(failures).toBeLessThan(PER_ADDRESS);
      const guess = await restLogin(`guess-${crypto.randomUUID()}@example.com`, "password123");
      expect(guess.status).toBe(401);
      failures += 1;
      refused = await restLogin(bob.email, bob.password);
    }
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await restLogin(`another-${crypto.randomUUID()}@example.com`, "password123")).status).toBe(429);
  }, 180_000);
});

describe("login throttling on Redis (REDIS_URL)", () => {
  test("two processes sharing Redis share the count: failures recorded by one lock the account on the other", async () => {
    const store = connectRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", createLogger("test", "silent"));
    const prefix = `test-${crypto.randomUUID()}`;
    const settings = { failuresPerAccount: 2, failuresPerAddress: 100, windowSeconds: 60 };
    try {
      // Until connected, limiters answer from their own memory (rate-limit.ts); this test is about the shared count.
      if (store.status !== "ready") await new Promise((resolve) => store.once("ready", resolve));
      const first = new LoginThrottle(settings, new RateLimiters(store), prefix);
      const second = new LoginThrottle(settings, new RateLimiters(store), prefix);
      await first.assertAllowed("eve@example.com", "10.0.0.1");
      await first.recordFailure("eve@example.com", "10.0.0.1");
      await second.recordFailure("eve@example.com", "10.0.0.2");
      await expect(second.assertAllowed("eve@example.com", "10.0.0.3")).rejects.toMatchObject({
        extensions: { code: "TOO_MANY_REQUESTS", retryAfterSeconds: expect.any(Number) },
      });
      await expect(first.assertAllowed("someone-else@example.com", "10.0.0.1")).resolves.toBeUndefined();
      await first.recordSuccess("eve@example.com");
      await expect(second.assertAllowed("eve@example.com", "10.0.0.3")).resolves.toBeUndefined();
    } finally {
      const keys = await store.keys(`${prefix}*`);
      if (keys.length) await store.del(...keys);
      store.disconnect();
    }
  });
});

describe("the throttle's window, on a clock the test moves (fake timers)", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const settings = { failuresPerAccount: 2, failuresPerAddress: 3, windowSeconds: 900 };
  const refusal = (retryAfterSeconds: number) => ({ extensions: { code: "TOO_MANY_REQUESTS", retryAfterSeconds } });

  test("an account stays locked, the right password included, until its window has passed; then it is let in", async () => {
    const throttle = new LoginThrottle(settings, new RateLimiters());
    await throttle.recordFailure("eve@example.com", "10.0.0.1");
    await throttle.recordFailure("eve@example.com", "10.0.0.2");
    await expect(throttle.assertAllowed("eve@example.com", "10.0.0.3")).rejects.toMatchObject(refusal(900));
    jest.advanceTimersByTime(899_000);
    await expect(throttle.assertAllowed("eve@example.com", "10.0.0.3")).rejects.toMatchObject(refusal(1));
    jest.advanceTimersByTime(1_000);
    await expect(throttle.assertAllowed("eve@example.com", "10.0.0.3")).resolves.toBeUndefined();
  });

  test("a client address stays locked for every account until its window has passed", async () => {
    const throttle = new LoginThrottle(settings, new RateLimiters());
    for (const guess of ["a", "b", "c"]) await throttle.recordFailure(`${guess}@example.com`, "10.0.0.9");
    jest.advanceTimersByTime(600_000);
    await expect(throttle.assertAllowed("never-failed@example.com", "10.0.0.9")).rejects.toMatchObject(refusal(300));
    await expect(throttle.assertAllowed("never-failed@example.com", "10.0.0.10")).resolves.toBeUndefined();
    jest.advanceTimersByTime(300_000);
    await expect(throttle.assertAllowed("never-failed@example.com", "10.0.0.9")).resolves.toBeUndefined();
  });
});
