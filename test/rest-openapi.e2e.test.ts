import net from "node:net";
import { openApiDocument } from "../rest-shim/src/openapi/document";
import { PORT_KINDS, portRoutes } from "../rest-shim/src/ports";
import { startRestShim, type RestShim } from "../rest-shim/src/shim";
import { quietLogger } from "./support/rest-platform";
import { restClient } from "./support/rest-client";

/**
 * The OpenAPI documents stay true: each port documents exactly the routes it
 * serves, every reference resolves, and a live call of every documented
 * operation answers with a documented status and shape. (The contract and
 * platform tests check every answer they get against the same documents.)
 */

const operationsOf = (document: any) =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

const routesOf = (kind: (typeof PORT_KINDS)[number]) =>
  portRoutes(kind)
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
    .sort();

describe.each(PORT_KINDS)("the OpenAPI document of the %s port", (kind) => {
  const document = openApiDocument(kind);

  test("documents exactly the routes the port serves", () => {
    expect(operationsOf(document)).toEqual(routesOf(kind));
  });

  test("is OpenAPI 3 and every schema reference resolves", () => {
    expect(document.openapi).toMatch(/^3\./);
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[\w-]+/g) ?? [];
    const schemas = (document.components as any).schemas;
    expect(refs.filter((ref) => !(ref.split("/").pop()! in schemas))).toEqual([]);
  });
});

describe("the served documents", () => {
  let shim: RestShim;

  beforeAll(async () => {
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, "127.0.0.1", resolve));
    const { port } = unused.address() as net.AddressInfo;
    await new Promise((resolve) => unused.close(resolve));
    // No gateway: every operation still has to answer something the document foresees.
    shim = await startRestShim({
      gatewayUrl: `http://127.0.0.1:${port}/graphql`,
      host: "127.0.0.1",
      ports: { gateway: 0, users: 0, products: 0, orders: 0 },
      rateLimitPerMinute: 10_000,
      logger: quietLogger(),
    });
  });
  afterAll(async () => {
    await shim?.close();
  });

  test.each(PORT_KINDS)("GET /openapi.json on the %s port serves its document", async (kind) => {
    const response = await restClient(shim.urls[kind], kind).get("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.body).toEqual(openApiDocument(kind));
  });

  test.each(PORT_KINDS)("every documented operation of the %s port is served, with a documented answer", async (kind) => {
    const client = restClient(shim.urls[kind], kind);
    for (const operation of operationsOf(openApiDocument(kind))) {
      const [method, template] = operation.split(" ");
      const path = template.replace(/\{\w+\}/g, "1");
      // The client throws when the status or shape is not the documented one.
      const response = await client.call(method, path, method === "GET" ? {} : { body: {} });
      expect([operation, response.status]).not.toEqual([operation, 404]);
      expect([operation, response.status]).not.toEqual([operation, 405]);
    }
  });
});
