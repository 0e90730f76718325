import type { RunningServer } from "../lib/http-server";
import { BACKENDS } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER } from "./support/operations";
import { firstErrorCode, gatewayOver, postGraphQL, type Answer } from "./support/gateway-http";
import { usePlatform } from "./support/use-platform";

/**
 * The gateway's abuse limits: each one refuses a query just over it with a
 * clear code and runs one just under it; the cheap requests that used to stall
 * the platform are refused or bounded while an unrelated query still answers
 * at once.
 */

const firstCode = firstErrorCode;
const repeat = (count: number, make: (index: number) => string) => Array.from({ length: count }, (_, i) => make(i)).join(" ");

/** `user → orders → user → …`, `levels` pages of 10 orders deep, ending in `leaf`. */
const ordersChain = (levels: number, leaf = "id"): string =>
  levels === 0 ? leaf : `orders(first: 10) { user { ${ordersChain(levels - 1, leaf)} } }`;

/** 24 levels of fragments, each spreading the next one twice: 2^24 fields if expanded naively. */
function doubledFragments(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1 ? `fragment F${i} on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `query { ...F0 } ${fragments.join(" ")}`;
}

/** How long an unrelated, cheap query takes while `hostile` is in flight. */
async function unrelatedQueryTimeDuring(url: string, hostile: () => Promise<unknown>): Promise<{ ms: number; hostile: unknown }> {
  const pending = hostile();
  const started = performance.now();
  const answer = await postGraphQL(url, { query: `{ product(id: "1") { id name } }` });
  const ms = performance.now() - started;
  expect(answer.status).toBe(200);
  return { ms, hostile: await pending };
}

describe("the gateway's query limits", () => {
  const platform = usePlatform("pglite");
  /** Default limits, but no cost limit to speak of: each other limit on its own. */
  let roomy: RunningServer & { graphqlUrl: string };
  const started: RunningServer[] = [];

  // Fresh databases and a whole platform: slow to start on a busy machine.
  beforeAll(async () => {
    roomy = await gatewayOver(platform, { limits: { maxCost: 1_000_000_000 } });
    started.push(roomy);
  }, 180_000);
  afterAll(async () => {
    for (const server of started) await server.close();
  });

  test.each([
    [
      "depth (12)",
      `{ user(id: "1") { ${ordersChain(5)} } }`,
      `{ user(id: "1") { ${ordersChain(5, "orders { id }")} } }`,
      /depth limit of 12/,
    ],
    [
      "aliases (15)",
      `{ ${repeat(15, (i) => `a${i}: product(id: "1") { id }`)} }`,
      `{ ${repeat(16, (i) => `a${i}: product(id: "1") { id }`)} }`,
      /Aliases limit of 15/,
    ],
    [
      "directives (20)",
      `{ ${repeat(20, () => "__typename @include(if: true)")} }`,
      `{ ${repeat(21, () => "__typename @include(if: true)")} }`,
      /Directives limit of 20/,
    ],
  ])("%s: just under runs, just over is GRAPHQL_VALIDATION_FAILED", async (_limit, under, over, message) => {
    const allowed = await postGraphQL(roomy.graphqlUrl, { query: under });
    expect(allowed.status).toBe(200);
    expect(allowed.body.errors).toBeUndefined();
    const refused = await postGraphQL(roomy.graphqlUrl, { query: over });
    expect(refused.status).toBe(400);
    expect(firstCode(refused)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(refused.body.errors[0].message).toMatch(message);
  });

  test("tokens (2000): just under runs, just over is GRAPHQL_PARSE_FAILED, before anything else is done", async () => {
    // 12 tokens around the list, one per string in it.
    const tagged = (count: number) => `{ productsByTags(tags: [${repeat(count, () => '"a"')}]) { id } }`;
    const allowed = await postGraphQL(roomy.graphqlUrl, { query: tagged(1988) });
    // Parsed and sent on: the products service judges the list itself (at most 50 tags).
    expect([allowed.status, firstCode(allowed)]).toEqual([200, "BAD_USER_INPUT"]);
    const refused = await postGraphQL(roomy.graphqlUrl, { query: tagged(1989) });
    expect([refused.status, firstCode(refused)]).toEqual([400, "GRAPHQL_PARSE_FAILED"]);
    expect(refused.body.errors[0].message).toMatch(/2000 tokens/);
  });

  test("estimated cost: lists count their page size, or 10 entries without one; just under runs, just over is refused", async () => {
    // user: 1 + orders: 1 + 10 × (user: 1 + orders: 1 + 10 × (user: 1 + orders: 1 + 10 × (user: 1 + id: 1))) = 2222
    const query = `{ user(id: "1") { ${ordersChain(3)} } }`;
    const exact = await gatewayOver(platform, { limits: { maxCost: 2222 } });
    started.push(exact);
    expect(await postGraphQL(exact.graphqlUrl, { query })).toMatchObject({ status: 200, body: { data: { user: null } } });
    const over = await postGraphQL(exact.graphqlUrl, { query: `{ user(id: "1") { id ${ordersChain(3)} } }` });
    expect(over.status).toBe(400);
    expect(firstCode(over)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(over.body.errors[0].message).toMatch(/cost limit of 2222 exceeded, estimated 2223/);
  });

  test("the default cost limit refuses user → orders → user … within the depth limit, and lets real queries through", async () => {
    const chain = await postGraphQL(platform.gatewayUrl, { query: `{ user(id: "1") { ${ordersChain(5)} } }` });
    expect([chain.status, firstCode(chain)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
    expect(chain.body.errors[0].message).toMatch(/cost limit of 50000 exceeded/);
    // 50 users, 10 orders each, 10 items each: estimated 16,601 (33,101 with the default page of 20 orders).
    const search = `{ searchUsers(query: "example") { username orders(first: 10) { user { fullName } items { product { name price } } } } }`;
    expect(await postGraphQL(platform.gatewayUrl, { query: search })).toMatchObject({
      status: 200,
      body: { data: { searchUsers: [] } },
    });
    // A whole page with its long texts (description 100, tags 25) is 13,301: three run, four are refused.
    const page = `products(first: 100) { nodes { id name price description stockQuantity category tags createdAt updatedAt } }`;
    const fullPages = await postGraphQL(platform.gatewayUrl, { query: `{ ${repeat(3, (i) => `p${i}: ${page}`)} }` });
    expect([fullPages.status, fullPages.body.errors]).toEqual([200, undefined]);
    const tooManyPages = await postGraphQL(platform.gatewayUrl, { query: `{ ${repeat(4, (i) => `p${i}: ${page}`)} }` });
    expect([tooManyPages.status, firstCode(tooManyPages)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
    expect(tooManyPages.body.errors[0].message).toMatch(/cost limit of 50000 exceeded, estimated 53204/);
    const thousandAliases = await postGraphQL(platform.gatewayUrl, { query: `{ ${repeat(1000, (i) => `p${i}: ${page}`)} }` });
    expect([thousandAliases.status, firstCode(thousandAliases)]).toEqual([400, "GRAPHQL_PARSE_FAILED"]);
  });

  test("fragments: doubled spreads are refused at once; a cycle or an undefined fragment is a 400, not a 500", async () => {
    const startedAt = performance.now();
    const doubled = await postGraphQL(platform.gatewayUrl, { query: doubledFragments(24) });
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect([doubled.status, firstCode(doubled)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);

    const cycle = `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`;
    const undefinedFragment = `query { ...Nowhere }`;
    for (const query of [cycle, undefinedFragment]) {
      const answer = await postGraphQL(platform.gatewayUrl, { query });
      expect([answer.status, firstCode(answer)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
    }
  });

  test("a subscription, a batch of operations and a GET without a preflight header are refused with 400", async () => {
    const subscription = await postGraphQL(platform.gatewayUrl, { query: "subscription { x }" });
    expect(subscription.status).toBe(400);
    expect(subscription.body.errors[0].extensions.code).toEqual(expect.any(String));
    expect(subscription.body.errors[0].extensions.code).not.toBe("INTERNAL_SERVER_ERROR");

    const batch = await postGraphQL(platform.gatewayUrl, [{ query: "{ __typename }" }, { query: "{ __typename }" }]);
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0].message).toMatch(/batch/i);

    // Apollo's CSRF prevention: a GET a browser could send cross-site without a preflight.
    const csrf = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent("{ __typename }")}`);
    expect(csrf.status).toBe(400);
    const preflighted = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(preflighted.status).toBe(200);
  });

  test("introspection and field suggestions: on in open mode, off when the gateway is told so (enforced mode)", async () => {
    const introspection = { query: "{ __schema { queryType { name } } }" };
    const misspelt = { query: "{ prodcts { nodes { id } } }" };
    expect(await postGraphQL(platform.gatewayUrl, introspection)).toMatchObject({
      status: 200,
      body: { data: { __schema: { queryType: { name: "Query" } } } },
    });
    expect((await postGraphQL(platform.gatewayUrl, misspelt)).body.errors[0].message).toMatch(/Did you mean/);

    const closed = await gatewayOver(platform, { introspection: false });
    started.push(closed);
    const refused = await postGraphQL(closed.graphqlUrl, introspection);
    expect([refused.status, firstCode(refused)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
    const suggestion = await postGraphQL(closed.graphqlUrl, misspelt);
    expect(suggestion.status).toBe(400);
    expect(suggestion.body.errors[0].message).not.toMatch(/Did you mean|products/);
    // The playground is its own switch (GRAPHQL_PLAYGROUND, test/playground.e2e.test.ts); here it is on, without the schema.
    const page = await fetch(closed.graphqlUrl, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).toMatch(/html/);
  });
});

describe.each(BACKENDS)("requests that used to stall the platform (%s)", (backend) => {
  const platform = usePlatform(backend);
  let userId: string;

  // Fresh databases and a whole platform: slow to start on a busy machine.
  beforeAll(async () => {
    const gql = platform.client();
    userId = await registerUser(gql);
    const productId = await createProduct(gql, { name: "Laptop", price: "999.00", stockQuantity: 100 });
    // A customer with 8 orders: user → orders → user … multiplies by 8 at every level.
    for (let i = 0; i < 8; i++) await gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity: 1 }] });
  }, 180_000);

  test("a 900 KB search string is refused at once, and the platform keeps answering meanwhile", async () => {
    const { ms, hostile } = await unrelatedQueryTimeDuring(platform.gatewayUrl, () =>
      postGraphQL(platform.gatewayUrl, {
        query: "query ($q: String!) { searchProducts(query: $q) { id } }",
        variables: { q: "laptop ".repeat(130_000) },
      }),
    );
    expect(firstCode(hostile as Answer)).toBe("BAD_USER_INPUT");
    expect(ms).toBeLessThan(1000);
  });

  test("doubled fragments, user → orders → user …, and 1,000 aliases of big pages are refused while the platform keeps answering", async () => {
    for (const [query, code] of [
      [doubledFragments(24), "GRAPHQL_VALIDATION_FAILED"],
      [`{ user(id: "${userId}") { ${ordersChain(5)} } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ ${repeat(1000, (i) => `p${i}: products(first: 100) { nodes { id name description } }`)} }`, "GRAPHQL_PARSE_FAILED"],
    ]) {
      const { ms, hostile } = await unrelatedQueryTimeDuring(platform.gatewayUrl, () =>
        postGraphQL(platform.gatewayUrl, { query }),
      );
      expect([(hostile as Answer).status, firstCode(hostile as Answer)]).toEqual([400, code]);
      expect(ms).toBeLessThan(1000);
    }
  });

  test("the deepest user → orders chain the cost limit lets through stays bounded", async () => {
    // Four pages of 10 deep (22,222) is under the default limit; five (the test above) is not. With 8 orders a level
    // that is 8 + 64 + 512 + 4,096 orders: bounded, where the unlimited chain answered megabytes.
    const answer = await postGraphQL(platform.gatewayUrl, { query: `{ user(id: "${userId}") { ${ordersChain(4)} } }` });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body).length).toBeLessThan(1_000_000);
  });
});
