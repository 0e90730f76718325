import crypto from "node:crypto";
import type { Redis } from "ioredis";
import type { RunningGateway } from "../gateway/src/gateway";
import { apqStore, documentId } from "../gateway/src/persisted-documents";
import { createLogger } from "../lib/logger";
import { connectRedis } from "../lib/rate-limit";
import { freePort } from "./support/platform-process";
import { startGatewayBeside } from "./support/platform";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";
import { getFrom as get, persisted, postTo as post, refusalOf, type Answer } from "./support/persisted-documents";

// Automatic persisted queries through the real gateway over the real subgraphs: the protocol's round trip over POST
// and GET, its refusals, and the store shared by two gateways through Redis. What is stored is a document's text,
// never data: the database does not matter, one run on PGlite.

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const quiet = createLogger("test", "silent");
const APQ_TTL_SECONDS = 600;
/** A document no other test (nor an earlier run, sharing Redis) registered: a random alias makes its hash new. */
const freshQuery = () => `{ fresh_${crypto.randomBytes(6).toString("hex")}: products(first: 2) { nodes { id } } }`;
const codeOf = (answer: Answer) => refusalOf(answer).code;

/**
 * What a client of the protocol does with a document the gateway has not seen: the hash alone, refused with 400
 * PERSISTED_QUERY_NOT_FOUND; then the text with its hash, which runs (and registers it). Answers the run's answer.
 */
async function missThenRegister(gateway: RunningGateway, query: string): Promise<Answer> {
  const miss = await post(gateway, { extensions: persisted(documentId(query)) });
  expect(refusalOf(miss)).toEqual({ status: 400, code: "PERSISTED_QUERY_NOT_FOUND" });
  const registered = await post(gateway, { query, extensions: persisted(documentId(query)) });
  expect(registered.status).toBe(200);
  expect(Object.values(registered.body.data!)).toEqual([{ nodes: [] }]);
  return registered;
}

describe("automatic persisted queries through the gateway", () => {
  const platform = usePlatform("pglite");
  let redis: Redis;
  const keyPrefix = `apq-test-${crypto.randomBytes(4).toString("hex")}`;
  /** Two gateways sharing Redis, one keeping its store in memory, one with APQ off, one whose Redis is down. */
  let shared: [RunningGateway, RunningGateway];
  let inMemory: RunningGateway;
  let apqOff: RunningGateway;
  let redisDown: RunningGateway;
  let deadRedis: Redis;

  beforeAll(async () => {
    redis = connectRedis(REDIS_URL, quiet);
    deadRedis = connectRedis(`redis://127.0.0.1:${await freePort()}`, quiet);
    const beside = (settings: Parameters<typeof startGatewayBeside>[1]) =>
      startGatewayBeside(platform, settings) as Promise<RunningGateway>;
    const common = { subgraphTimeoutMs: 10_000, rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 } };
    const withRedis = { ...common, redis, redisKeyPrefix: keyPrefix, apq: { ttlSeconds: APQ_TTL_SECONDS } };
    shared = [await beside(withRedis), await beside(withRedis)];
    inMemory = await beside(common);
    apqOff = await beside({ ...common, apq: false });
    redisDown = await beside({ ...common, redis: deadRedis, redisKeyPrefix: keyPrefix });
  }, 180_000);
  afterAll(async () => {
    for (const gateway of [...(shared ?? []), inMemory, apqOff, redisDown]) await gateway?.close();
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    deadRedis?.disconnect();
  });

  test("round trip over POST: an unknown hash is PERSISTED_QUERY_NOT_FOUND, the text registers it, the hash alone then runs", async () => {
    const query = freshQuery();
    const hash = documentId(query);
    const registered = await missThenRegister(inMemory, query);
    const hit = await post(inMemory, { extensions: persisted(hash) });
    expect(hit).toEqual(registered);
    // And over GET, as Apollo Client's link sends queries with useGETForHashedQueries.
    expect(await get(inMemory, { extensions: persisted(hash) })).toEqual(registered);
  });

  test("round trip over GET: registered by a GET with the text, then run by the hash alone", async () => {
    const query = freshQuery();
    const hash = documentId(query);
    expect(codeOf(await get(inMemory, { extensions: persisted(hash) }))).toBe("PERSISTED_QUERY_NOT_FOUND");
    const registered = await get(inMemory, { query, extensions: persisted(hash) });
    expect(registered.status).toBe(200);
    const hit = await get(inMemory, { extensions: persisted(hash) });
    expect(hit).toEqual(registered);
    expect(Object.values(hit.body.data!)).toEqual([{ nodes: [] }]);
  });

  test("a hash that is not the text's is refused with 400 PERSISTED_QUERY_HASH_MISMATCH, and registers nothing", async () => {
    const query = freshQuery();
    const other = documentId(freshQuery());
    const answer = await post(inMemory, { query, extensions: persisted(other) });
    expect({ status: answer.status, code: codeOf(answer), data: answer.body.data }).toEqual({
      status: 400,
      code: "PERSISTED_QUERY_HASH_MISMATCH",
      data: undefined,
    });
    expect(codeOf(await post(inMemory, { extensions: persisted(other) }))).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  test("gateways sharing Redis share registrations, kept for the configured time; another gateway's memory is its own", async () => {
    const query = freshQuery();
    const hash = documentId(query);
    await missThenRegister(shared[0], query);
    // Apollo writes the registration without waiting for it: the other gateway may look before it lands.
    let hit: Answer | undefined;
    await until(async () => (hit = await post(shared[1], { extensions: persisted(hash) })).status === 200, 5_000, 20);
    expect(Object.values(hit!.body.data!)).toEqual([{ nodes: [] }]);

    const ttl = await redis.ttl(`${keyPrefix}:apq:${hash}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(APQ_TTL_SECONDS);
    expect(await redis.get(`${keyPrefix}:apq:${hash}`)).toBe(query);
    expect(codeOf(await post(inMemory, { extensions: persisted(hash) }))).toBe("PERSISTED_QUERY_NOT_FOUND");
  });

  test("with Redis down a hash is a miss, never a failure: the client's resend with the text runs", async () => {
    const query = freshQuery();
    await missThenRegister(redisDown, query);
    // And again: still a miss (nothing was stored), still answered by the resend.
    await missThenRegister(redisDown, query);
  });

  test("with APQ off a hash is PERSISTED_QUERY_NOT_SUPPORTED (400), and the plain text still runs", async () => {
    const query = freshQuery();
    const refused = await post(apqOff, { query, extensions: persisted(documentId(query)) });
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 400, code: "PERSISTED_QUERY_NOT_SUPPORTED" });
    expect((await post(apqOff, { query })).status).toBe(200);
  });
});

describe("the in-process APQ store", () => {
  test("is bounded: past its size the least recently used documents go first", async () => {
    const store = apqStore({ ttlSeconds: 60, memoryBytes: 100, logger: quiet });
    const text = (n: number) => `{ q${n}: __typename }`.padEnd(40, " ");
    await store.set("a", text(1));
    await store.set("b", text(2));
    expect(await store.get("a")).toBe(text(1)); // a is now the more recently used
    await store.set("c", text(3));
    expect([await store.get("a"), await store.get("b"), await store.get("c")]).toEqual([text(1), undefined, text(3)]);
  });
});
