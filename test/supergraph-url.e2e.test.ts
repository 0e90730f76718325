import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import type { RunningGateway } from "../gateway/src/gateway";
import { readSupergraph } from "../gateway/src/supergraph";
import { createTestDatabases, type TestDatabases } from "./support/databases";
import { startGatewayBeside, startTestPlatform, type TestPlatform } from "./support/platform";
import { until } from "./support/until";

// Schema delivery from SUPERGRAPH_URL: a running gateway polls a registry (here a tiny HTTP server serving supergraph
// SDL), loads the new supergraph it serves while a load runs, failing no request; a supergraph that does not load, or
// a registry that fails, is counted or logged and the one served goes on. The database does not matter: PGlite.

const FULL = readSupergraph();
/** The supergraph without `productsByTags` (the field and its doc string gone), as before that field was added. */
const WITHOUT_TAGS = FULL.replace(/\n\s*"""(?:(?!""")[\s\S])*"""\s*\n\s*productsByTags\(.*/, "");
const TAGS_QUERY = `{ productsByTags(tags: ["none"]) { id } }`;

/** The registry: answers GET with whatever `served` holds (a status and a body), counting the polls. */
interface Registry {
  url: string;
  served: { status: number; body: string };
  polls: number;
  close(): Promise<void>;
}

async function startRegistry(body: string): Promise<Registry> {
  const registry = { served: { status: 200, body }, polls: 0 } as Registry;
  const server = http.createServer((_req, res) => {
    registry.polls += 1;
    res.writeHead(registry.served.status, { "content-type": "text/plain" }).end(registry.served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/supergraph.graphql`;
  registry.close = () => new Promise((resolve) => server.close(() => resolve()));
  return registry;
}

describe("a gateway polling SUPERGRAPH_URL", () => {
  let databases: TestDatabases;
  let platform: TestPlatform;
  let registry: Registry;
  let gateway: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    databases = await createTestDatabases("pglite");
    platform = await startTestPlatform(databases.configs);
    registry = await startRegistry(WITHOUT_TAGS);
    // The file the gateway starts from, and never changed here: what changes comes from the URL.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "supergraph-url-"));
    const file = path.join(dir, "supergraph.graphql");
    fs.writeFileSync(file, WITHOUT_TAGS);
    gateway = (await startGatewayBeside(platform, {
      subgraphTimeoutMs: 10_000,
      supergraphSdl: WITHOUT_TAGS,
      supergraphSource: { file, url: registry.url, pollIntervalMs: 100 },
      rateLimits: { perClientPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
    })) as RunningGateway;
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    await registry?.close();
    await platform?.stop();
    await databases?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const client = () => new GraphQLClient(`${gateway.url}/graphql`);
  const tagsAnswer = () =>
    client()
      .request(TAGS_QUERY)
      .then(
        (data) => ({ data }),
        (error: Error) => ({ error: error.message }),
      );
  const updates = async (outcome: string) => {
    const metric = await gateway.inProcess.metrics.registry.getSingleMetric("shop_supergraph_updates_total")?.get();
    return metric?.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
  };
  /** Waits for `n` more polls of the registry: the gateway has looked at what it serves now. */
  const polled = async (n = 2) => {
    const from = registry.polls;
    await until(async () => registry.polls >= from + n);
  };

  test("serves the new supergraph's field once the URL serves it, failing no request of a load running meanwhile", async () => {
    await polled();
    expect(await tagsAnswer()).toEqual({ error: expect.stringMatching(/productsByTags/) });

    let running = true;
    let answered = 0;
    const failures: unknown[] = [];
    const load = Array.from({ length: 8 }, async () => {
      while (running) {
        await client()
          .request(`{ products(first: 5) { nodes { id name price } } product(id: "1") { id } }`)
          .then(
            () => (answered += 1),
            (error: unknown) => failures.push(error),
          );
      }
    });
    try {
      await until(async () => answered > 20);
      registry.served = { status: 200, body: FULL };
      await until(async () => "data" in (await tagsAnswer()));
      const atSwap = answered;
      await until(async () => answered > atSwap + 20);
    } finally {
      running = false;
      await Promise.all(load);
    }
    expect(failures).toEqual([]);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect(await updates("loaded")).toBe(1);
  });

  test("a supergraph from the URL that does not load is counted once, and the one served goes on", async () => {
    registry.served = { status: 200, body: "type Query { this is not a supergraph" };
    await until(async () => (await updates("refused")) === 1);
    await polled(3);
    // Refused once, not at every poll of the same text.
    expect(await updates("refused")).toBe(1);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect(await updates("loaded")).toBe(1);
  });

  test("a registry that answers 500 changes nothing: the one served goes on", async () => {
    registry.served = { status: 500, body: "registry down" };
    await polled(3);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect({ loaded: await updates("loaded"), refused: await updates("refused") }).toEqual({ loaded: 1, refused: 1 });
    // And back: the registry serves the old supergraph again, which loads (a rollback).
    registry.served = { status: 200, body: WITHOUT_TAGS };
    await until(async () => (await updates("loaded")) === 2);
    expect(await tagsAnswer()).toEqual({ error: expect.stringMatching(/productsByTags/) });
  });
});
