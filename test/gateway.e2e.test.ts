import { graphqlError } from "./support/graphql-errors";
import { usePlatform } from "./support/use-platform";

// Gateway behaviour that does not depend on the database backend: one run on PGlite.
describe("the gateway", () => {
  const platform = usePlatform("pglite");

  test("serves a playground page to browsers", async () => {
    const response = await fetch(platform.gatewayUrl, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/<html/i);
  });

  test("/health reports the gateway and every subgraph", async () => {
    const response = await fetch(`${platform.gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      gateway: "ok",
      subgraphs: { users: "ok", products: "ok", orders: "ok" },
    });
  });

  test("refuses oversized bodies", async () => {
    const response = await fetch(platform.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ product(id: "1") { id } }`, padding: "x".repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
  });

  test("a subgraph that is down makes /health 503 and its fields SERVICE_UNAVAILABLE, without internals", async () => {
    await platform.subgraphs.orders.close();
    const health = await fetch(`${platform.gateway.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { subgraphs: unknown }).subgraphs).toEqual({
      users: "ok",
      products: "ok",
      orders: "unhealthy",
    });

    const error = await graphqlError(platform.client().request(`{ order(id: "1") { id } }`));
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|orders/i);
    // The other subgraphs still answer.
    expect(await platform.client().request(`{ product(id: "1") { id } }`)).toEqual({ product: null });
  });
});
