import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { readSupergraph, SUPERGRAPH_FILE } from "../gateway/src/supergraph";
import { startLoneGateway } from "./support/lone-gateway";
import { FULL, startDeliveryPlatform, TAGS_QUERY, WITHOUT_TAGS, type DeliveryPlatform } from "./support/supergraph-delivery";
import { until } from "./support/until";

// Schema delivery from SUPERGRAPH_URL: a running gateway polls a registry (here a tiny HTTP server serving supergraph
// SDL), loads the new supergraph it serves while a load runs, failing no request; a supergraph that does not load is
// counted once, a registry that fails is only logged, and the one served goes on. The gateway's file never changes
// here. The database does not matter: PGlite.

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
  let registry: Registry;
  let delivery: DeliveryPlatform;

  beforeAll(async () => {
    registry = await startRegistry(WITHOUT_TAGS);
    delivery = await startDeliveryPlatform({ url: registry.url });
  }, 180_000);
  afterAll(async () => {
    await delivery?.stop();
    await registry?.close();
  });

  const tagsAnswer = () =>
    delivery
      .client()
      .request(TAGS_QUERY)
      .then(
        (data) => ({ data }),
        (error: Error) => ({ error: error.message }),
      );
  /** Waits for `n` more polls of the registry: the gateway has looked at what it serves now. */
  const polled = async (n: number) => {
    const from = registry.polls;
    await until(async () => registry.polls >= from + n);
  };

  test("serves the new supergraph's field once the URL serves it, failing no request of a load running meanwhile", async () => {
    await polled(2);
    expect(await tagsAnswer()).toEqual({ error: expect.stringMatching(/productsByTags/) });
    const failures = await delivery.underLoad(async () => {
      registry.served = { status: 200, body: FULL };
      await until(async () => "data" in (await tagsAnswer()));
    });
    expect(failures).toEqual([]);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect(await delivery.updates("loaded")).toBe(1);
  });

  test("a supergraph from the URL that does not load is counted once, and the one served goes on", async () => {
    registry.served = { status: 200, body: "type Query { this is not a supergraph" };
    await until(async () => (await delivery.updates("refused")) === 1);
    await polled(3);
    // Refused once, not at every poll of the same text.
    expect(await delivery.updates("refused")).toBe(1);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect(await delivery.updates("loaded")).toBe(1);
  });

  test("a registry that answers 500 changes nothing; serving the old supergraph again rolls back", async () => {
    registry.served = { status: 500, body: "registry down" };
    await polled(3);
    expect(await tagsAnswer()).toEqual({ data: { productsByTags: [] } });
    expect({ loaded: await delivery.updates("loaded"), refused: await delivery.updates("refused") }).toEqual({
      loaded: 1,
      refused: 1,
    });
    registry.served = { status: 200, body: WITHOUT_TAGS };
    await until(async () => (await delivery.updates("loaded")) === 2);
    expect(await tagsAnswer()).toEqual({ error: expect.stringMatching(/productsByTags/) });
  });
});

describe("a gateway that cannot start", () => {
  test("lets go of what it had started: its port taken, it polls SUPERGRAPH_URL no more", async () => {
    const registry = await startRegistry(readSupergraph());
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const pollIntervalMs = 50;
      const starting = startLoneGateway({
        port: (taken.address() as AddressInfo).port,
        supergraphSource: { file: SUPERGRAPH_FILE, url: registry.url, pollIntervalMs },
      });
      await expect(starting).rejects.toThrow(/EADDRINUSE/);
      // Nothing to wait for when nothing happens: a poller left running would ask six more times in this window
      // (one poll may have been under way as the start failed).
      const polled = registry.polls;
      await new Promise((resolve) => setTimeout(resolve, 6 * pollIntervalMs));
      expect(registry.polls - polled).toBeLessThanOrEqual(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await registry.close();
    }
  });
});
