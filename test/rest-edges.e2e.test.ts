import pino from "pino";
import type { RunningGateway } from "../gateway/src/gateway";
import { startRestShim, type RestShim } from "../rest-shim/src/shim";
import { startLoneGateway } from "./support/lone-gateway";
import { quietLogger } from "./support/rest-platform";
import { getFrom, restClient } from "./support/rest-client";
import { until } from "./support/until";
import { useRestPlatform } from "./support/use-platform";

/**
 * What the shim answers on its own, whatever the subgraphs say: wrong
 * requests, CORS, the rate limits, the request log, and subgraphs that are
 * down.
 */

const ports = { legacyGateway: 0, users: 0, products: 0, orders: 0 };

describe("the shim with no subgraph behind the gateway", () => {
  let gateway: RunningGateway;
  let shim: RestShim;
  const logLines: any[] = [];

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    gateway = await startLoneGateway();
    shim = await startRestShim({
      gateway: gateway.inProcess,
      host: "127.0.0.1",
      ports,
      rateLimitPerMinute: 1000,
      logger,
      maxBodyBytes: 1000,
    });
  });
  afterAll(async () => {
    await shim?.close();
    await gateway?.close();
  });

  test("a call that needs a subgraph is a 503 JSON error, and every health check says unhealthy with 503", async () => {
    const users = restClient(shim.urls.users);
    expect(await users.get("/users/1")).toMatchObject({ status: 503, body: { error: expect.any(String) } });
    expect(await users.get("/health")).toMatchObject({ status: 503, body: { status: "unhealthy" } });
    expect(await restClient(shim.urls.products).get("/health")).toMatchObject({
      status: 503,
      body: { status: "unhealthy" },
    });
    expect(await restClient(shim.urls.orders).get("/health")).toMatchObject({
      status: 503,
      body: { status: "unhealthy", service: "order-service" },
    });
    expect(await restClient(shim.urls.legacyGateway).get("/health")).toMatchObject({
      status: 503,
      body: {
        gateway: "healthy",
        services: { "user-service": "unhealthy", "product-service": "unhealthy", "order-service": "unhealthy" },
      },
    });
  });

  test.each([
    ["users", "/register"],
    ["products", "/api/products"],
    ["orders", "/api/orders"],
    ["legacyGateway", "/api/orders"],
  ] as const)("on %s: malformed JSON 400, another content type 415, a body over the limit 413", async (kind, path) => {
    const client = restClient(shim.urls[kind]);
    const json = { "content-type": "application/json" };
    expect(await client.call("POST", path, { body: '{"user_id": 1, }', headers: json })).toMatchObject({
      status: 400,
      body: { error: "Invalid JSON" },
    });
    expect(await client.call("POST", path, { body: "[1, 2", headers: json })).toMatchObject({
      status: 400,
      body: { error: "Invalid JSON" },
    });
    expect(
      await client.call("POST", path, { body: "user_id=1", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    ).toMatchObject({
      status: 415,
      body: { error: "Content-Type must be application/json" },
    });
    expect(await client.call("POST", path, { body: JSON.stringify({ padding: "x".repeat(5000) }), headers: json })).toMatchObject(
      {
        status: 413,
        body: { error: "Request body too large" },
      },
    );
    // A JSON body that is not an object is a shape error, before the gateway is asked.
    expect((await client.call("POST", path, { body: "[]", headers: json })).status).toBe(400);
  });

  test("a known path with another method is 405 with Allow; an unknown path is 404; never a stack", async () => {
    const users = restClient(shim.urls.users);
    const wrongMethod = await users.call("DELETE", "/users/1");
    expect(wrongMethod).toMatchObject({ status: 405, body: { error: "Method DELETE not allowed" } });
    expect(wrongMethod.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    const products = restClient(shim.urls.products);
    const put = await products.call("PUT", "/api/products", { body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("POST, OPTIONS");
    expect((await products.call("GET", "/api/products/1/stock")).headers.get("allow")).toBe("PATCH, OPTIONS");
    expect(await users.get("/api/users/1")).toMatchObject({ status: 404, body: { error: "Not found" } });
    expect(await restClient(shim.urls.legacyGateway).get("/users/1")).toMatchObject({
      status: 404,
      body: { error: "Not found" },
    });
  });

  test("port 8000 speaks CORS and answers preflights; the service ports do not", async () => {
    const preflight = await fetch(`${shim.urls.legacyGateway}/api/orders`, {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    const simple = await fetch(`${shim.urls.legacyGateway}/services`, { headers: { origin: "https://shop.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBe("*");
    const direct = await fetch(`${shim.urls.users}/health`, { headers: { origin: "https://shop.example" } });
    expect(direct.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("every port writes one structured log line per request, with its request id", async () => {
    logLines.length = 0;
    await fetch(`${shim.urls.legacyGateway}/services?verbose=1`, { headers: { "x-request-id": "edge-1" } });
    await fetch(`${shim.urls.legacyGateway}/api/users/7`, { headers: { "x-request-id": "edge-2" } });
    await fetch(`${shim.urls.users}/openapi.json`, { headers: { "x-request-id": "edge-3" } });
    // A request's line is written when its answer has finished; a compressed answer (the OpenAPI document) may
    // finish after fetch has resolved with its headers.
    const requests = () => logLines.filter((line) => line.req !== undefined);
    await until(async () => requests().length >= 3);
    expect(requests()).toEqual([
      expect.objectContaining({ requestId: "edge-1", req: { method: "GET", path: "/services" }, res: { status: 200 } }),
      expect.objectContaining({ requestId: "edge-2", req: { method: "GET", path: "/api/users/7" }, res: { status: 503 } }),
      expect.objectContaining({ requestId: "edge-3", req: { method: "GET", path: "/openapi.json" }, res: { status: 200 } }),
    ]);
    for (const line of requests()) expect(line.responseTime).toEqual(expect.any(Number));
  });
});

describe("the rate limit on port 8000", () => {
  let gateway: RunningGateway;
  let shim: RestShim;

  beforeAll(async () => {
    gateway = await startLoneGateway();
    shim = await startRestShim({
      gateway: gateway.inProcess,
      host: "127.0.0.1",
      ports,
      rateLimitPerMinute: 3,
      logger: quietLogger(),
    });
  });
  afterAll(async () => {
    await shim?.close();
    await gateway?.close();
  });

  test("each client gets its limit a minute, then 429 Rate limit exceeded; other clients and the service ports are not affected", async () => {
    const legacyGateway = restClient(shim.urls.legacyGateway);
    // The client's first call fetches the port's /openapi.json to check answers against: that is one of the three.
    for (let i = 0; i < 2; i++) expect((await legacyGateway.get("/services")).status).toBe(200);
    const limited = await legacyGateway.get("/services");
    expect(limited).toMatchObject({ status: 429, body: { error: "Rate limit exceeded" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("access-control-allow-origin")).toBe("*");

    expect(await getFrom(`${shim.urls.legacyGateway}/services`, "127.0.0.2")).toMatchObject({ status: 200 });
    for (let i = 0; i < 5; i++) expect((await fetch(`${shim.urls.users}/openapi.json`)).status).toBe(200);
    // Health checks are not counted: supervisors poll them.
    for (let i = 0; i < 5; i++) expect((await legacyGateway.get("/health")).status).toBe(503);
  });
});

describe("the client's address, as the gateway counts it", () => {
  const shims: RestShim[] = [];
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Two calls a minute per client on the gateway: the third shows which address it counted.
    gateway = await startLoneGateway({ rateLimits: { perClientPerMinute: 2, perUserPerMinute: 100 } });
  });
  afterAll(async () => {
    for (const shim of shims) await shim.close();
    await gateway?.close();
  });

  async function usersPortTrusting(trustProxy: string[]): Promise<string> {
    const shim = await startRestShim({
      gateway: gateway.inProcess,
      host: "127.0.0.1",
      ports,
      rateLimitPerMinute: 1000,
      logger: quietLogger(),
      trustProxy,
    });
    shims.push(shim);
    return shim.urls.users;
  }

  /** The status of GET /users/1 from `localAddress`, claiming to be `claimed` (503: nothing behind the gateway; 429: over its limit). */
  const statusOfCall = async (url: string, localAddress: string, claimed: string) =>
    (await getFrom(`${url}/users/1`, localAddress, claimed)).status;

  test("is the address the REST port believes (TRUST_PROXY), never the client's own claim", async () => {
    // Not trusted: the connection's address is counted, whatever the client claims.
    const untrusting = await usersPortTrusting([]);
    expect(await statusOfCall(untrusting, "127.0.0.12", "6.6.6.6")).toBe(503);
    expect(await statusOfCall(untrusting, "127.0.0.12", "7.7.7.7")).toBe(503);
    expect(await statusOfCall(untrusting, "127.0.0.12", "8.8.8.8")).toBe(429);
    // A trusted proxy: the client it names is counted.
    const behindProxy = await usersPortTrusting(["127.0.0.13"]);
    expect(await statusOfCall(behindProxy, "127.0.0.13", "6.6.6.6")).toBe(503);
    expect(await statusOfCall(behindProxy, "127.0.0.13", "6.6.6.6")).toBe(503);
    expect(await statusOfCall(behindProxy, "127.0.0.13", "6.6.6.6")).toBe(429);
    expect(await statusOfCall(behindProxy, "127.0.0.13", "9.9.9.9")).toBe(503);
  });
});

describe("a subgraph going down behind a running platform", () => {
  const shop = useRestPlatform("pglite");

  test("the health checks name the service that is down, and its calls fail with a JSON error", async () => {
    expect((await shop.rest("legacyGateway").get("/health")).status).toBe(200);
    await shop.platform.subgraphs.orders.close();

    expect(await shop.rest("orders").get("/health")).toMatchObject({
      status: 503,
      body: { status: "unhealthy", service: "order-service" },
    });
    expect(await shop.rest("users").get("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await shop.rest("legacyGateway").get("/health")).toMatchObject({
      status: 503,
      body: {
        gateway: "healthy",
        services: { "user-service": "healthy", "product-service": "healthy", "order-service": "unhealthy" },
      },
    });
    const call = await shop.rest("orders").get("/api/orders/1");
    expect(call.status).toBeGreaterThanOrEqual(500);
    expect(call.body).toEqual({ error: expect.any(String) });
    expect(call.body.error).not.toMatch(/ECONNREFUSED|at |orders/);
  });
});
