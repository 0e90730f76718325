import fs from "node:fs";
import path from "node:path";
import type { RunningGateway } from "../gateway/src/gateway";
import { importEsm } from "../lib/import-esm";
import { openApiPath } from "../rest-shim/src/openapi";
import { PORT_KINDS, portRoutes } from "../rest-shim/src/ports";
import type { RestShim } from "../rest-shim/src/shim";
import { startLoneGateway } from "./support/lone-gateway";
import { startTestRestShim } from "./support/rest-platform";
import { restClient } from "./support/rest-client";
import { documentedResponses, servedDocument } from "./support/rest-openapi";

/**
 * The OpenAPI documents the ports serve stay true: each documents every route
 * its port serves and nothing else, and a live call of every documented
 * operation answers with a documented status and shape. (The contract, edge
 * and platform tests check every answer they get against the same documents.)
 */

const operationsOf = (document: any) =>
  Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

describe("the README's table of the legacy API", () => {
  test("names every endpoint each port serves, as the OpenAPI document writes its path", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## The legacy REST API"), readme.indexOf("## Troubleshooting"));
    const missing = PORT_KINDS.flatMap((kind) => portRoutes(kind))
      .map((route) => `\`${route.method} ${openApiPath(route.path)}`)
      .filter((endpoint) => !new RegExp(`${escapeRegExp(endpoint)}[\`?]`).test(section));
    expect(missing).toEqual([]);
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the served OpenAPI documents", () => {
  let gateway: RunningGateway;
  let shim: RestShim;

  beforeAll(async () => {
    // No subgraph behind the gateway: every operation still has to answer something the document foresees.
    gateway = await startLoneGateway();
    shim = await startTestRestShim(gateway);
  });
  afterAll(async () => {
    await shim?.close();
    await gateway?.close();
  });

  test.each(PORT_KINDS)("the %s port documents exactly the routes it serves, in OpenAPI 3.0", async (kind) => {
    const document = await servedDocument(shim.urls[kind]);
    expect(document.openapi).toBe("3.0.3");
    // Valid against the OpenAPI 3.0 schema, so Swagger UI (/docs) and client generators can read it.
    const { Validator } = await importEsm<typeof import("@seriousme/openapi-schema-validator")>(
      "@seriousme/openapi-schema-validator",
    );
    expect(await new Validator().validate(structuredClone(document))).toEqual({ valid: true });
    // Titled by the legacy service it stands for, never by a port number it may not be on (PORT_OFFSET moves them).
    expect(document.info.title).toMatch(/^Legacy REST API: /);
    expect(document.info.title).not.toMatch(/\d/);
    const routes = portRoutes(kind).map((route) => `${route.method} ${openApiPath(route.path)}`);
    expect(operationsOf(document)).toEqual(routes.sort());
    // Every schema reference resolves.
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[\w-]+/g) ?? [];
    expect(refs.filter((ref) => !(ref.split("/").pop()! in document.components.schemas))).toEqual([]);
  });

  test.each(PORT_KINDS)("every documented operation of the %s port is served, with a documented answer", async (kind) => {
    const client = restClient(shim.urls[kind]);
    for (const operation of operationsOf(await servedDocument(shim.urls[kind]))) {
      const [method, template] = operation.split(" ");
      const path = template.replace(/\{\w+\}/g, "1");
      // The client throws when the status or shape is not the documented one.
      const response = await client.call(method, path, method === "GET" ? {} : { body: {} });
      expect([operation, response.status]).not.toEqual([operation, 404]);
      expect([operation, response.status]).not.toEqual([operation, 405]);
    }
  });

  test("a status several failures answer documents each (a bad body, a bad id and an unknown status are each a 400)", async () => {
    const document = await servedDocument(shim.urls.orders);
    const badRequest: string = document.paths["/api/orders/{id}/status"].patch.responses["400"].description;
    expect(badRequest).toMatch(/^Bad JSON or an unknown status\./);
    expect(badRequest).toMatch(/wrong shape/);
    expect(badRequest).toMatch(/id is not a number/);
    // A route's own 429 (the login throttle) is kept beside port 8000's rate limit and the gateway's limits.
    const login = (await servedDocument(shim.urls.legacyGateway)).paths["/api/users/login"].post.responses["429"];
    expect(login.description).toMatch(/^Too many failed logins/);
    expect(login.description).toMatch(/rate limit exceeded/i);
    expect(login.headers).toHaveProperty("Retry-After");
  });

  test("an answer off its documented shape is caught", async () => {
    const expectDocumented = documentedResponses(await servedDocument(shim.urls.orders));
    const order = { id: 1, user_id: 2, status: "pending", total_amount: 3.5, items: [], created_at: "2026-01-01T00:00:00.000Z" };
    expect(() => expectDocumented("GET", "/api/orders/1", 200, order)).not.toThrow();
    expect(() => expectDocumented("GET", "/api/orders/1", 200, { ...order, status: "lost" })).toThrow(/status/);
    expect(() => expectDocumented("GET", "/api/orders/1", 200, { ...order, created_at: "yesterday" })).toThrow(/created_at/);
    expect(() => expectDocumented("GET", "/api/orders/1", 200, { ...order, total_amount: "3.50" })).toThrow(/total_amount/);
    expect(() => expectDocumented("GET", "/api/orders/1", 418, order)).toThrow(/does not document/);
  });
});
