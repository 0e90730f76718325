import { fieldWeights } from "../gateway/src/query-limits";
import { readSupergraph } from "../gateway/src/supergraph";
import { graphqlLimitsOf, introspectionEnabled, readEnv } from "../lib/config";
import { describeHttpFailure, HttpError } from "../lib/http-app";
import { stringProblem } from "../subgraphs/shared/input-guard";

describe("limit settings", () => {
  test("defaults, and introspection following the mode unless set", () => {
    const env = readEnv({});
    expect(graphqlLimitsOf(env)).toEqual({
      maxDepth: 12,
      maxAliases: 15,
      maxDirectives: 20,
      maxTokens: 2000,
      maxCost: 50_000,
      expensiveCost: 10_000,
      expensivePerClient: 2,
      maxResponseBytes: 5_000_000,
    });
    expect([env.TRUST_PROXY, env.CORS_ORIGINS]).toEqual([[], ["*"]]);
    expect(introspectionEnabled(readEnv({}))).toBe(true);
    // Enforced in development: the playground is on, and its docs pane needs introspection; off in production.
    expect(introspectionEnabled(readEnv({ AUTH_MODE: "enforced" }))).toBe(true);
    expect(introspectionEnabled(readEnv({ AUTH_MODE: "enforced", GRAPHQL_PLAYGROUND: "false" }))).toBe(false);
    expect(introspectionEnabled(readEnv({ AUTH_MODE: "enforced", NODE_ENV: "production" }))).toBe(false);
    expect(introspectionEnabled(readEnv({ NODE_ENV: "production" }))).toBe(false);
    expect(introspectionEnabled(readEnv({ AUTH_MODE: "enforced", GRAPHQL_INTROSPECTION: "true" }))).toBe(true);
    expect(introspectionEnabled(readEnv({ GRAPHQL_INTROSPECTION: "false" }))).toBe(false);
    expect(() => readEnv({ GRAPHQL_INTROSPECTION: "yes please" })).toThrow(/GRAPHQL_INTROSPECTION/);
    expect(() => readEnv({ MAX_QUERY_COST: "-1" })).toThrow(/MAX_QUERY_COST/);
  });

  test("TRUST_PROXY and CORS_ORIGINS are comma-separated lists", () => {
    const env = readEnv({ TRUST_PROXY: "loopback, 10.0.0.0/8 ,", CORS_ORIGINS: "https://shop.example,https://admin.example" });
    expect(env.TRUST_PROXY).toEqual(["loopback", "10.0.0.0/8"]);
    expect(env.CORS_ORIGINS).toEqual(["https://shop.example", "https://admin.example"]);
  });
});

describe("field weights of the cost estimate", () => {
  test("come from the @cost the owning subgraph writes, as composed into the supergraph", () => {
    expect(Object.fromEntries(fieldWeights(readSupergraph()))).toEqual({ "Product.description": 100, "Product.tags": 25 });
  });

  test("follow the cost spec's link, renamed or absent", () => {
    const renamed = `
      schema @link(url: "https://specs.apollo.dev/cost/v0.1", as: "weigh") { query: Query }
      type Query { blurb: String @weigh(weight: 40) note: String @cost(weight: 7) }`;
    expect(Object.fromEntries(fieldWeights(renamed))).toEqual({ "Query.blurb": 40 });
    expect(fieldWeights(`type Query { note: String @cost(weight: 7) }`).size).toBe(0);
  });
});

describe("the string check every subgraph applies", () => {
  test.each([
    ["plain text", "Laptop Pro 15", null],
    ["a whole emoji (a surrogate pair)", "🙂 ok", null],
    ["a NUL", "a\u0000b", /NUL/],
    ["a lone high surrogate", "a\ud800", /surrogate/],
    ["a lone low surrogate", "\udc00a", /surrogate/],
    ["too long", "x".repeat(10_001), /longer than 10000/],
  ])("%s", (_what, text, problem) => {
    const found = stringProblem(text);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });
});

describe("HTTP failures answered without internals", () => {
  test("body-parser's, the router's and our own failures get a status and a safe message; others are unknown", () => {
    expect(
      describeHttpFailure(Object.assign(new Error("Unexpected token"), { type: "entity.parse.failed", status: 400 })),
    ).toEqual({
      status: 400,
      message: "Invalid JSON",
      code: "BAD_REQUEST",
    });
    expect(describeHttpFailure(Object.assign(new URIError("Failed to decode param '%ff'"), { status: 400 }))).toMatchObject({
      status: 400,
      message: "Malformed URL encoding",
    });
    expect(describeHttpFailure(new HttpError(429, "Slow down"))).toEqual({
      status: 429,
      message: "Slow down",
      code: "TOO_MANY_REQUESTS",
    });
    expect(describeHttpFailure(new Error("connect ECONNREFUSED 10.0.0.5:5432"))).toBeNull();
  });
});
