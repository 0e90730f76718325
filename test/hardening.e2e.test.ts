import http from "node:http";
import { print } from "graphql";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { ADJUST_STOCK, CREATE_PRODUCT, LOGIN, PRODUCTS, REGISTER, SEARCH_PRODUCTS, SEARCH_USERS } from "./support/operations";
import { createProduct } from "./support/fixtures";
import { INTERNALS } from "./support/leaks";
import { SERVICE_TOKEN_HEADER } from "../lib/request-identity";
import { useRestPlatform } from "./support/use-platform";

/**
 * Hostile or broken requests get a clear 4xx answer in JSON from every
 * service (gateway, each subgraph, the REST shim), never Express's HTML page,
 * a stack, a 500 or INTERNAL_SERVER_ERROR.
 */

/** A raw HTTP request, so that bodies and paths go exactly as written (fetch would fix some of them). */
function rawRequest(
  url: string,
  options: { method?: string; path?: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? target.pathname,
        method: options.method ?? "POST",
        headers: options.headers,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

describe.each(BACKENDS)("hardening (%s)", (backend) => {
  const shop = useRestPlatform(backend);

  const graphqlEndpoints = () => ({
    gateway: shop.platform.gatewayUrl,
    users: `${shop.platform.subgraphs.users.url}/graphql`,
    products: `${shop.platform.subgraphs.products.url}/graphql`,
    orders: `${shop.platform.subgraphs.orders.url}/graphql`,
  });

  const broken = [
    ["malformed JSON", '{"query": "{ __typename }",,}', "application/json", 400],
    ["a bare JSON 0", "0", "application/json", 400],
    [
      "a body over the limit",
      JSON.stringify({ query: "{ __typename }", padding: "x".repeat(1_100_000) }),
      "application/json",
      413,
    ],
    ["another content type", "query={__typename}", "application/x-www-form-urlencoded", 415],
  ] as const;

  test.each(broken)(
    "%s to the gateway and to each subgraph: a GraphQL-shaped JSON error, no HTML",
    async (_what, body, type, status) => {
      for (const [service, url] of Object.entries(graphqlEndpoints())) {
        // The subgraphs read a body only from callers holding the service credential (else 401 before anything).
        const credential: Record<string, string> =
          service === "gateway" ? {} : { [SERVICE_TOKEN_HEADER]: shop.platform.secrets.serviceToken };
        const answer = await rawRequest(url, { body, headers: { "content-type": type, ...credential } });
        expect({ service, status: answer.status }).toEqual({ service, status });
        expect(answer.headers["content-type"]).toMatch(/application\/json/);
        const parsed = JSON.parse(answer.text);
        expect(parsed.errors[0].extensions.code).toEqual(expect.any(String));
        expect(answer.text).not.toMatch(INTERNALS);
      }
    },
  );

  test.each(broken)("%s to each REST shim port: the legacy JSON error, no HTML", async (_what, body, type) => {
    for (const [kind, path] of [
      ["legacyGateway", "/api/users/login"],
      ["users", "/login"],
      ["products", "/api/products"],
      ["orders", "/api/orders"],
    ] as const) {
      const answer = await rawRequest(shop.shim.urls[kind] + path, { body, headers: { "content-type": type } });
      expect({ kind, client: answer.status >= 400 && answer.status < 500 }).toEqual({ kind, client: true });
      expect(JSON.parse(answer.text)).toEqual({ error: expect.any(String) });
      expect(answer.text).not.toMatch(INTERNALS);
    }
  });

  test("an unknown path is a JSON 404 everywhere, and every answer carries security headers", async () => {
    const urls = [
      shop.platform.gateway.url,
      shop.platform.subgraphs.users.url,
      shop.platform.subgraphs.products.url,
      shop.platform.subgraphs.orders.url,
      shop.shim.urls.legacyGateway,
      shop.shim.urls.users,
    ];
    for (const url of urls) {
      const answer = await rawRequest(url, { method: "GET", path: "/no/such/thing" });
      expect({ url, status: answer.status }).toEqual({ url, status: 404 });
      expect(() => JSON.parse(answer.text)).not.toThrow();
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      // Helmet's default: browsers keep to HTTPS for a year once they have seen it over HTTPS.
      expect(answer.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
      expect(answer.headers["x-powered-by"]).toBeUndefined();
    }
  });

  test("bad percent-encoding in a REST path is a 400", async () => {
    for (const [kind, path] of [
      ["users", "/users/%ff"],
      ["legacyGateway", "/api/users/%ff"],
      ["legacyGateway", "/api/orders/%ff"],
      ["legacyGateway", "/api/orders/user/%E0%A4%A"],
      ["products", "/api/products/%ff"],
      ["orders", "/api/orders/%ff/status"],
    ] as const) {
      const answer = await rawRequest(shop.shim.urls[kind] + path, {
        method: path.endsWith("status") ? "PATCH" : "GET",
        body: path.endsWith("status") ? '{"status":"shipped"}' : undefined,
        headers: { "content-type": "application/json" },
      });
      expect({ path, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
        path,
        status: 400,
        body: { error: expect.any(String) },
      });
    }
  });

  describe("strings no database could store, and numbers past its types", () => {
    const hostileStrings = [
      ["a NUL byte", "abc\u0000def"],
      ["an unpaired surrogate", "abc\ud800def"],
      ["a lone low surrogate", "\udc00"],
    ] as const;

    test.each(hostileStrings)("%s in any string argument is BAD_USER_INPUT", async (_what, text) => {
      const gql = shop.platform.client();
      // One at a time, each started only when its turn comes.
      const attempts: [string, () => Promise<unknown>][] = [
        ["login email", () => gql.request(LOGIN, { email: text, password: "whatever1" })],
        ["login password", () => gql.request(LOGIN, { email: "a@example.com", password: text })],
        [
          "register name",
          () =>
            gql.request(REGISTER, {
              input: { email: "x@example.com", username: "xuser", password: "password1", fullName: text },
            }),
        ],
        ["product name", () => gql.request(CREATE_PRODUCT, { input: { name: text, price: "1.00" } })],
        ["product search", () => gql.request(SEARCH_PRODUCTS, { query: text })],
        ["user search", () => gql.request(SEARCH_USERS, { query: text })],
        ["category filter", () => gql.request(PRODUCTS, { filter: { category: text } })],
        [
          "tag filter",
          () => gql.request(`query ($tags: [String!]!) { productsByTags(tags: $tags) { id } }`, { tags: ["ok", text] }),
        ],
      ];
      for (const [where, attempt] of attempts) {
        const error = await graphqlError(attempt());
        expect({ where, code: error.code }).toEqual({ where, code: "BAD_USER_INPUT" });
        expect(error.message).not.toMatch(INTERNALS);
      }
    });

    test("stock deltas beyond the column's range, an oversized cursor, and list sizes over 100 are BAD_USER_INPUT", async () => {
      const gql = shop.platform.client();
      const id = await createProduct(gql, { name: "Hardened", price: "1.00", stockQuantity: 5 });
      for (const delta of [-2147483648, -2147483647 - 1, 2147483647]) {
        expect((await graphqlError(gql.request(ADJUST_STOCK, { id, delta }))).code).toMatch(/BAD_USER_INPUT|OUT_OF_STOCK/);
      }
      expect((await graphqlError(gql.request(ADJUST_STOCK, { id, delta: -2147483648 }))).code).toBe("BAD_USER_INPUT");
      const cursors = [Buffer.from(`product:${"9".repeat(30)}`).toString("base64url"), "A".repeat(5000)];
      for (const after of cursors) expect((await graphqlError(gql.request(PRODUCTS, { after }))).code).toBe("BAD_USER_INPUT");
      expect((await graphqlError(gql.request(PRODUCTS, { first: 101 }))).code).toBe("BAD_USER_INPUT");
      expect((await graphqlError(gql.request(PRODUCTS, { first: 0 }))).code).toBe("BAD_USER_INPUT");
      expect((await graphqlError(gql.request(`{ searchProducts(query: "x", limit: 101) { id } }`))).code).toBe("BAD_USER_INPUT");
      expect((await graphqlError(gql.request(`{ searchUsers(query: "x", limit: 1000) { id } }`))).code).toBe("BAD_USER_INPUT");
      expect((await graphqlError(gql.request(SEARCH_PRODUCTS, { query: "x".repeat(201) }))).code).toBe("BAD_USER_INPUT");
      // The whole answer, as a client sees it: the code, and nothing about the subgraph that refused.
      const raw = await rawRequest(shop.platform.gatewayUrl, {
        body: JSON.stringify({ query: print(SEARCH_PRODUCTS), variables: { query: "a\u0000b" } }),
        headers: { "content-type": "application/json" },
      });
      expect(raw.text).toMatch(/BAD_USER_INPUT/);
      expect(raw.text).not.toMatch(INTERNALS);
      // Written into the operation rather than sent as a variable: the same check.
      expect((await graphqlError(gql.request(`{ searchProducts(query: "a\\u0000b") { id } }`))).code).toBe("BAD_USER_INPUT");
      expect(await gql.request(PRODUCTS, { first: 100 })).toMatchObject({ products: { nodes: expect.any(Array) } });
      // The stock is what it was: no refused change went half-way.
      expect(await gql.request(`{ product(id: "${id}") { stockQuantity } }`)).toEqual({ product: { stockQuantity: 5 } });
    });
  });
});
