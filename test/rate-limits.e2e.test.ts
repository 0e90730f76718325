import crypto from "node:crypto";
import { Redis } from "ioredis";
import type { RunningGateway } from "../gateway/src/gateway";
import type { RunningServer } from "../lib/http-server";
import { RateLimiters, tryConsume } from "../lib/rate-limit";
import { startRestShim, type RestShim } from "../rest-shim/src/shim";
import { registerUser } from "./support/fixtures";
import { firstErrorCode, gatewayOver, postGraphQL, type Answer } from "./support/gateway-http";
import { LOGIN } from "./support/operations";
import { startLoneGateway } from "./support/lone-gateway";
import { getFrom } from "./support/rest-client";
import { quietLogger } from "./support/rest-platform";
import { usePlatform } from "./support/use-platform";

/**
 * Rate limits on the gateway's /graphql, per client address and per user,
 * shared by several gateway processes through Redis; and which proxies'
 * X-Forwarded-For the gateway and the REST shim believe (TRUST_PROXY).
 */

const QUERY = { query: "{ __typename }" };
const code = firstErrorCode;

function expectTooMany(answer: Answer): void {
  expect(answer.status).toBe(429);
  // Within the minute the limits count over.
  expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
  expect(Number(answer.headers["retry-after"])).toBeLessThanOrEqual(60);
  expect(code(answer)).toBe("TOO_MANY_REQUESTS");
}

describe("rate limits on /graphql", () => {
  const platform = usePlatform("pglite");
  let token: string;
  const servers: RunningServer[] = [];
  const redisClients: Redis[] = [];

  const gateway = async (overrides: Parameters<typeof gatewayOver>[1]) => {
    const server = await gatewayOver(platform, overrides);
    servers.push(server);
    return server.graphqlUrl;
  };

  // Fresh databases and a whole platform: slow to start on a busy machine.
  beforeAll(async () => {
    const name = `limited${crypto.randomBytes(3).toString("hex")}`;
    await registerUser(platform.client(), name);
    const { login } = await platform
      .client()
      .request<{ login: { token: string } }>(LOGIN, { email: `${name}@example.com`, password: "password123" });
    token = login.token;
  }, 180_000);
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const redis of redisClients) redis.disconnect();
  });

  test("per client address: the limit, then 429 TOO_MANY_REQUESTS with Retry-After; another address is not affected", async () => {
    const url = await gateway({ rateLimits: { perClientPerMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await postGraphQL(url, QUERY, { localAddress: "127.0.0.1" })).status).toBe(200);
    expectTooMany(await postGraphQL(url, QUERY, { localAddress: "127.0.0.1" }));
    expect(await postGraphQL(url, QUERY, { localAddress: "127.0.0.2" })).toMatchObject({ status: 200 });
  });

  test("per user: one account from many addresses is limited; anonymous callers are not counted against it", async () => {
    const url = await gateway({ rateLimits: { perUserPerMinute: 2 } });
    const asUser = { authorization: `Bearer ${token}` };
    expect((await postGraphQL(url, QUERY, { localAddress: "127.0.0.3", headers: asUser })).status).toBe(200);
    expect((await postGraphQL(url, QUERY, { localAddress: "127.0.0.4", headers: asUser })).status).toBe(200);
    expectTooMany(await postGraphQL(url, QUERY, { localAddress: "127.0.0.5", headers: asUser }));
    expect(await postGraphQL(url, QUERY, { localAddress: "127.0.0.5" })).toMatchObject({ status: 200 });
  });

  test("two gateway processes sharing Redis share the count", async () => {
    const prefix = `test-${crypto.randomBytes(6).toString("hex")}`;
    const connect = () => {
      const redis = new Redis("redis://127.0.0.1:6379", { lazyConnect: false });
      redisClients.push(redis);
      return redis;
    };
    const first = await gateway({ rateLimits: { perClientPerMinute: 4 }, redis: connect(), redisKeyPrefix: prefix });
    const second = await gateway({ rateLimits: { perClientPerMinute: 4 }, redis: connect(), redisKeyPrefix: prefix });
    await Promise.all(
      redisClients.map((redis) => (redis.status === "ready" ? undefined : new Promise((r) => redis.once("ready", r)))),
    );
    for (const url of [first, second, first, second]) {
      expect((await postGraphQL(url, QUERY, { localAddress: "127.0.0.6" })).status).toBe(200);
    }
    expectTooMany(await postGraphQL(first, QUERY, { localAddress: "127.0.0.6" }));
    expectTooMany(await postGraphQL(second, QUERY, { localAddress: "127.0.0.6" }));
    // Another gateway with its own memory, not sharing Redis, has its own count.
    const alone = await gateway({ rateLimits: { perClientPerMinute: 4 } });
    expect((await postGraphQL(alone, QUERY, { localAddress: "127.0.0.6" })).status).toBe(200);
  });

  test("TRUST_PROXY: X-Forwarded-For from an untrusted peer does not change the key; from a trusted proxy it does", async () => {
    const spoofed = (address: string) => ({ "x-forwarded-for": address });
    const untrusting = await gateway({ rateLimits: { perClientPerMinute: 2 } });
    expect((await postGraphQL(untrusting, QUERY, { localAddress: "127.0.0.7", headers: spoofed("1.1.1.1") })).status).toBe(200);
    expect((await postGraphQL(untrusting, QUERY, { localAddress: "127.0.0.7", headers: spoofed("2.2.2.2") })).status).toBe(200);
    expectTooMany(await postGraphQL(untrusting, QUERY, { localAddress: "127.0.0.7", headers: spoofed("3.3.3.3") }));

    const behindProxy = await gateway({ rateLimits: { perClientPerMinute: 2 }, trustProxy: ["127.0.0.8"] });
    for (let i = 0; i < 2; i++) {
      expect((await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.8", headers: spoofed("1.1.1.1") })).status).toBe(
        200,
      );
    }
    expectTooMany(await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.8", headers: spoofed("1.1.1.1") }));
    // The proxy speaks for another client: another key.
    expect((await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.8", headers: spoofed("2.2.2.2") })).status).toBe(200);
    // A client that is not the proxy cannot pick its key with the header.
    expect((await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.9", headers: spoofed("5.5.5.5") })).status).toBe(200);
    expect((await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.9", headers: spoofed("6.6.6.6") })).status).toBe(200);
    expectTooMany(await postGraphQL(behindProxy, QUERY, { localAddress: "127.0.0.9", headers: spoofed("7.7.7.7") }));
  });
});

describe("the shared limiter (lib/rate-limit.ts)", () => {
  test("keeps limiting in memory while Redis cannot be reached", async () => {
    const redis = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    redis.on("error", () => undefined);
    const limiters = new RateLimiters(redis);
    const limiter = limiters.create({ keyPrefix: `test-${crypto.randomBytes(4).toString("hex")}`, points: 2, windowSeconds: 60 });
    expect(await tryConsume(limiter, "k")).toEqual({ allowed: true });
    expect(await tryConsume(limiter, "k")).toEqual({ allowed: true });
    expect(await tryConsume(limiter, "k")).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
    expect(await tryConsume(limiter, "other")).toEqual({ allowed: true });
    limiters.close();
    redis.disconnect();
  });

  test("closed, it forgets the counts it held in memory, and the timers that would have expired them", async () => {
    jest.useFakeTimers();
    try {
      const limiters = new RateLimiters();
      const limiter = limiters.create({ keyPrefix: "account", points: 2, windowSeconds: 3600 });
      expect(await tryConsume(limiter, "k")).toEqual({ allowed: true });
      expect(await tryConsume(limiter, "other")).toEqual({ allowed: true });
      // One timer per count, each holding on to everything its callback reaches until its window ends.
      expect(jest.getTimerCount()).toBe(2);
      limiters.close();
      expect(jest.getTimerCount()).toBe(0);
      expect(await limiter.get("k")).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  test("closed, it forgets what it counted in memory while Redis was away", async () => {
    const redis = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    redis.on("error", () => undefined);
    const limiters = new RateLimiters(redis);
    const limiter = limiters.create({ keyPrefix: "client", points: 2, windowSeconds: 60 });
    await tryConsume(limiter, "k");
    expect((await limiter.get("k"))?.consumedPoints).toBe(1);
    limiters.close();
    expect(await limiter.get("k")).toBeNull();
    redis.disconnect();
  });
});

describe("the REST shim's rate limit on port 8000: its headers, and TRUST_PROXY", () => {
  const shims: RestShim[] = [];
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startLoneGateway();
  });

  async function shim(trustProxy: string[]): Promise<string> {
    const started = await startRestShim({
      gateway: gateway.inProcess,
      host: "127.0.0.1",
      ports: { legacyGateway: 0, users: 0, products: 0, orders: 0 },
      rateLimitPerMinute: 2,
      logger: quietLogger(),
      trustProxy,
    });
    shims.push(started);
    return started.urls.legacyGateway;
  }

  const getServices = async (url: string, localAddress: string, forwardedFor: string) =>
    (await getFrom(`${url}/services`, localAddress, forwardedFor)).status;

  afterAll(async () => {
    for (const started of shims) await started.close();
    await gateway?.close();
  });

  test("a spoofed header from an untrusted peer changes nothing; a trusted proxy's header names the client", async () => {
    const untrusting = await shim([]);
    expect(await getServices(untrusting, "127.0.0.10", "1.1.1.1")).toBe(200);
    expect(await getServices(untrusting, "127.0.0.10", "2.2.2.2")).toBe(200);
    expect(await getServices(untrusting, "127.0.0.10", "3.3.3.3")).toBe(429);

    const behindProxy = await shim(["127.0.0.11"]);
    expect(await getServices(behindProxy, "127.0.0.11", "1.1.1.1")).toBe(200);
    expect(await getServices(behindProxy, "127.0.0.11", "1.1.1.1")).toBe(200);
    expect(await getServices(behindProxy, "127.0.0.11", "1.1.1.1")).toBe(429);
    expect(await getServices(behindProxy, "127.0.0.11", "2.2.2.2")).toBe(200);
  });

  test("every answer states the policy and what is left; the refusal says when to try again", async () => {
    const url = await shim([]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await fetch(`${url}/services`));
    const headers = answers.map((answer) => ({
      status: answer.status,
      policy: answer.headers.get("ratelimit-policy"),
      left: answer.headers.get("ratelimit")?.replace(/t=\d+$/, "t=…"),
    }));
    expect(headers).toEqual([
      { status: 200, policy: '"2-in-1min"; q=2; w=60', left: '"2-in-1min"; r=1; t=…' },
      { status: 200, policy: '"2-in-1min"; q=2; w=60', left: '"2-in-1min"; r=0; t=…' },
      { status: 429, policy: '"2-in-1min"; q=2; w=60', left: '"2-in-1min"; r=0; t=…' },
    ]);
    const retryAfter = Number(answers[2].headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await answers[2].json()).toEqual({ error: "Rate limit exceeded" });
  });
});
