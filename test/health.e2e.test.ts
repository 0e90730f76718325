import pg from "pg";
import type { PortKind } from "../rest-shim/src/ports";
import { BACKENDS, type Backend } from "./support/databases";
import { startFaultProxy } from "./support/fault-proxy";
import { startGatewayBeside } from "./support/platform";
import { useRestPlatform } from "./support/use-platform";

// What an orchestrator reads: /health/live and /health/ready on every service and every REST port, while everything
// answers, while a subgraph hangs or is down, and while a subgraph's database is gone. `/health` keeps its shape.

const REST_PORTS: PortKind[] = ["legacyGateway", "users", "products", "orders"];
/** Longest a health answer may take while a dependency is away: the probes' own timeouts are a few seconds. */
const BOUND_MS = 1000;

async function get(url: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body: unknown = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
}

/** Not ready, naming what is down, yet live: both answered within the bound. */
async function expectNotReadyButLive(base: string, checks: Record<string, string>): Promise<void> {
  const ready = await get(`${base}/health/ready`);
  expect(ready).toMatchObject({ status: 503, body: { status: "not ready", checks } });
  expect(ready.ms).toBeLessThan(BOUND_MS);
  const live = await get(`${base}/health/live`);
  expect(live).toMatchObject({ status: 200, body: { status: "live" } });
  expect(live.ms).toBeLessThan(BOUND_MS);
}

describe.each(BACKENDS)("health endpoints (%s)", (backend: Backend) => {
  const platform = useRestPlatform(backend);
  const gatewayUrl = () => platform.platform.gateway.url;
  const subgraphUrl = (name: "users" | "products" | "orders") => platform.platform.subgraphs[name].url;

  test("every service and every REST port is live and ready, and /health keeps its shape", async () => {
    const allOk = { status: "ready", checks: { users: "ok", products: "ok", orders: "ok" } };
    for (const base of [gatewayUrl(), ...REST_PORTS.map((kind) => platform.shim.urls[kind])]) {
      expect(await get(`${base}/health/live`)).toMatchObject({ status: 200, body: { status: "live" } });
      expect(await get(`${base}/health/ready`)).toMatchObject({ status: 200, body: allOk });
    }
    for (const name of ["users", "products", "orders"] as const) {
      expect(await get(`${subgraphUrl(name)}/health/live`)).toMatchObject({ status: 200, body: { status: "live" } });
      expect(await get(`${subgraphUrl(name)}/health/ready`)).toMatchObject({
        status: 200,
        body: { status: "ready", checks: { database: "ok" } },
      });
      expect(await get(`${subgraphUrl(name)}/health`)).toMatchObject({ status: 200, body: { status: "ok", service: name } });
    }
    expect(await get(`${gatewayUrl()}/health`)).toMatchObject({
      status: 200,
      body: { status: "ok", gateway: "ok", subgraphs: { users: "ok", products: "ok", orders: "ok" } },
    });
    // The REST ports' /health is the legacy contract's (test/rest-contract.e2e.test.ts has every shape).
    expect(await platform.rest("legacyGateway").get("/health")).toMatchObject({ status: 200 });
  });

  test("a subgraph that holds every request: the gateway is not ready within the bound, naming it, and stays live", async () => {
    const proxy = await startFaultProxy(subgraphUrl("products"));
    const gateway = await startGatewayBeside(platform.platform, {
      subgraphTimeoutMs: 5000,
      healthCheckTimeoutMs: 300,
      subgraphUrls: { products: `${proxy.url}/graphql` },
    });
    try {
      proxy.fail("*", "hang");
      // Only the held one is named here: on a busy machine another may miss so short a timeout too.
      await expectNotReadyButLive(gateway.url, { products: "down" });
      // The legacy /health reads the same bounded checks.
      expect(await get(`${gateway.url}/health`)).toMatchObject({ status: 503, body: { status: "degraded" } });
    } finally {
      await proxy.heal();
      await gateway.close();
      await proxy.close();
    }
  });

  test("a subgraph that is down: the gateway and every REST port say not ready and which one, and stay live", async () => {
    await platform.platform.subgraphs.orders.close();
    for (const base of [gatewayUrl(), ...REST_PORTS.map((kind) => platform.shim.urls[kind])]) {
      await expectNotReadyButLive(base, { users: "ok", products: "ok", orders: "down" });
    }
    expect(await get(`${gatewayUrl()}/health`)).toMatchObject({
      status: 503,
      body: { status: "degraded", gateway: "ok", subgraphs: { users: "ok", products: "ok", orders: "unhealthy" } },
    });
  });

  test("a subgraph whose database is unreachable is not ready, says so, and stays live", async () => {
    const users = platform.platform.subgraphs.users;
    if (backend === "postgres") {
      // The database goes away under the running subgraph: its connections are cut, and new ones find nothing.
      const [{ name }] = await users.database.prisma.$queryRawUnsafe<{ name: string }[]>("SELECT current_database() AS name");
      const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    } else {
      // The embedded database is closed under the running subgraph.
      await users.database.close();
    }
    await expectNotReadyButLive(users.url, { database: "down" });
    expect(await get(`${users.url}/health`)).toMatchObject({ status: 503, body: { status: "unhealthy", service: "users" } });
    expect(await get(`${gatewayUrl()}/health/ready`)).toMatchObject({
      status: 503,
      body: { status: "not ready", checks: { users: "down" } },
    });
  });
});
