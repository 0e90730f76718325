import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { authModeOf, introspectionEnabled, playgroundEnabled, readEnv, type PlatformEnv } from "../lib/config";
import { startGateway } from "../gateway/src/gateway";
import { readSupergraph } from "../gateway/src/supergraph";
import { openOfflineBrowser, type OfflineBrowser } from "./support/browser";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER, LOGIN } from "./support/operations";
import { quietLogger } from "./support/rest-platform";
import { useRestPlatform } from "./support/use-platform";

// The self-hosted pages in a real browser with no internet: the GraphiQL
// playground on the gateway and the API reference on the REST shim. The pages
// do not depend on the database backend: one run on PGlite.
describe("the playground and the API reference, offline in Chromium", () => {
  const rest = useRestPlatform("pglite");
  let browser: OfflineBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const gql = rest.platform.client();
    const userId = await registerUser(gql, "ada");
    const productId = await createProduct(gql, { name: "Laptop Pro 15", price: "1299.99", stockQuantity: 50 });
    await gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity: 2 }] });
    browser = await openOfflineBrowser();
    page = await browser.context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
  });
  /** Opens the playground once it has loaded the schema, on the example tab of that name. */
  async function openPlaygroundTab(name: string): Promise<void> {
    const schemaLoaded = page.waitForResponse(
      (response) => response.request().postData()?.includes("IntrospectionQuery") ?? false,
    );
    await page.goto(rest.platform.gatewayUrl);
    await schemaLoaded;
    await page.locator(".graphiql-tab-button", { hasText: new RegExp(`^${name}$`) }).click();
    await page.locator(".graphiql-query-editor", { hasText: new RegExp(`(query|mutation) ${name} `) }).waitFor();
  }

  afterEach(async () => {
    // A screenshot of each page for people checking the rendering by eye.
    const dir = process.env.SCREENSHOT_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      const name = expect.getState().currentTestName!.replace(/\W+/g, "-").slice(0, 80);
      await page.screenshot({ path: path.join(dir, `${name}.png`) });
    }
  });

  test("the playground runs the README's federated order query and shows the answer", async () => {
    // One tab per example operation of the README; "Order" asks all three subgraphs.
    await openPlaygroundTab("Order");
    await page.locator(".graphiql-execute-button").click();
    const response = page.locator(".graphiql-response");
    await response.getByText('"Laptop Pro 15"').waitFor(); // from the products subgraph
    await response.getByText('"ada@example.com"').waitFor(); // from the users subgraph
    expect(await response.innerText()).toContain('"totalAmount": "2599.98"'); // from the orders subgraph
    expect(browser.blockedRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test("the schema's documentation is browsable", async () => {
    await page.goto(rest.platform.gatewayUrl);
    await page.getByRole("button", { name: /documentation explorer/i }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs.getByText("Query", { exact: true }).click();
    await docs.getByText("searchProducts", { exact: true }).waitFor();
    expect(browser.blockedRequests).toEqual([]);
  });

  test("an Authorization header set in the headers pane is sent with the query", async () => {
    const gql = rest.platform.client();
    const { login } = await gql.request<{ login: { token: string } }>(LOGIN, {
      email: "ada@example.com",
      password: "password123",
    });
    await openPlaygroundTab("Me");
    // The headers editor is CodeMirror; set its text as a user pasting it would.
    const headersEditor = page.locator(".graphiql-editor-tool .CodeMirror").last();
    await headersEditor.evaluate(
      (element: unknown, text: string) =>
        (element as { CodeMirror: { setValue(value: string): void } }).CodeMirror.setValue(text),
      JSON.stringify({ Authorization: `Bearer ${login.token}` }),
    );
    await page.locator(".graphiql-execute-button").click();
    await page.locator(".graphiql-response").getByText('"Shopper ada"').waitFor();
    expect(browser.blockedRequests).toEqual([]);
  });

  test("the REST shim's API reference lists the endpoints of its OpenAPI document", async () => {
    await page.goto(`${rest.shim.urls.legacyGateway}/docs`);
    await page.locator(".opblock-summary-path", { hasText: "/api/orders" }).first().waitFor();
    await page.locator(".opblock-summary-path", { hasText: "/api/products" }).first().waitFor();
    expect(browser.blockedRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

describe("the playground's switch", () => {
  test("on in development; off in production unless GRAPHQL_PLAYGROUND=true; introspection follows it in enforced mode", () => {
    const settings = (env: Record<string, string>) => {
      const read = readEnv(env);
      return { playground: playgroundEnabled(read), introspection: introspectionEnabled(read) };
    };
    expect(settings({})).toEqual({ playground: true, introspection: true });
    expect(settings({ NODE_ENV: "production" })).toEqual({ playground: false, introspection: false });
    expect(settings({ NODE_ENV: "production", GRAPHQL_PLAYGROUND: "true" })).toEqual({ playground: true, introspection: true });
    expect(settings({ GRAPHQL_PLAYGROUND: "false" })).toEqual({ playground: false, introspection: true });
    expect(settings({ AUTH_MODE: "enforced" })).toEqual({ playground: true, introspection: true });
    expect(settings({ AUTH_MODE: "enforced", NODE_ENV: "production" })).toEqual({ playground: false, introspection: false });
    expect(() => readEnv({ GRAPHQL_PLAYGROUND: "yes" })).toThrow(/GRAPHQL_PLAYGROUND/);
  });

  /** A gateway configured from these settings, over subgraphs that do not answer (introspection needs none). */
  const gatewayOf = (env: PlatformEnv) =>
    startGateway({
      port: 0,
      host: "127.0.0.1",
      subgraphUrls: {
        users: "http://127.0.0.1:9/graphql",
        products: "http://127.0.0.1:9/graphql",
        orders: "http://127.0.0.1:9/graphql",
      },
      supergraphSdl: readSupergraph(),
      jwtSecret: "x".repeat(32),
      serviceToken: "y".repeat(32),
      authMode: authModeOf(env),
      subgraphTimeoutMs: 2000,
      logger: quietLogger(),
      playground: playgroundEnabled(env),
      introspection: introspectionEnabled(env),
    });
  const introspect = async (gatewayUrl: string) => {
    const response = await fetch(`${gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __schema { queryType { name } } }" }),
    });
    return (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  };

  test("`AUTH_MODE=enforced npm start` (development): the playground's docs pane gets the schema", async () => {
    const gateway = await gatewayOf(readEnv({ AUTH_MODE: "enforced" }));
    try {
      const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).toMatch(/text\/html/);
      expect(await introspect(gateway.url)).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
    } finally {
      await gateway.close();
    }
  });

  test("a gateway started as production serves no playground page and refuses introspection", async () => {
    const gateway = await gatewayOf(readEnv({ NODE_ENV: "production" }));
    try {
      const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
      const asset = await fetch(`${gateway.url}/graphql/playground/graphiql.js`);
      expect(asset.headers.get("content-type") ?? "").not.toMatch(/javascript/);
      const body = await introspect(gateway.url);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0].message).toMatch(/introspection/i);
    } finally {
      await gateway.close();
    }
  });
});
