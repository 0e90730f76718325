import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import { readSupergraph } from "../gateway/src/supergraph";
import { startGatewayBeside } from "./support/platform";
import { until } from "./support/until";
import type { RunningGateway } from "../gateway/src/gateway";
import { usePlatform } from "./support/use-platform";

// Schema delivery without restarts: a running gateway picks up a new supergraph file while a load runs, and no
// request of that load fails; a supergraph that does not load is counted, and the one served goes on. The database
// does not matter here: one run, on PGlite.

const FULL = readSupergraph();
/** The supergraph as it was before `productsByTags` was added (the field and its doc string gone). */
const WITHOUT_TAGS = FULL.replace(/\n\s*"""(?:(?!""")[\s\S])*"""\s*\n\s*productsByTags\(.*/, "");
const TAGS_QUERY = `{ productsByTags(tags: ["none"]) { id } }`;

describe("a gateway watching its supergraph file", () => {
  const platform = usePlatform("pglite");
  let gateway: RunningGateway;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "supergraph-"));
    file = path.join(dir, "supergraph.graphql");
    fs.writeFileSync(file, WITHOUT_TAGS);
    gateway = (await startGatewayBeside(platform, {
      subgraphTimeoutMs: 10_000,
      supergraphSdl: WITHOUT_TAGS,
      supergraphSource: { file, pollIntervalMs: 100 },
      rateLimits: { perClientPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
    })) as RunningGateway;
  }, 180_000);
  afterAll(async () => {
    await gateway?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const client = () => new GraphQLClient(`${gateway.url}/graphql`);
  const updates = async (outcome: string) => {
    const metric = await gateway.inProcess.metrics.registry.getSingleMetric("shop_supergraph_updates_total")?.get();
    return metric?.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
  };

  test("serves a new supergraph's field without a restart, failing no request of a load running meanwhile", async () => {
    await expect(client().request(TAGS_QUERY)).rejects.toThrow(/productsByTags/);

    let running = true;
    let answered = 0;
    const failures: unknown[] = [];
    const load = Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          await client().request(`{ product(id: "1") { id name price } products(first: 5) { nodes { id } } }`);
          answered += 1;
        } catch (error) {
          failures.push(error);
        }
      }
    });
    try {
      await until(async () => answered > 20);
      fs.writeFileSync(file, FULL);
      await until(() =>
        client()
          .request(TAGS_QUERY)
          .then(
            () => true,
            () => false,
          ),
      );
      const atSwap = answered;
      await until(async () => answered > atSwap + 20);
    } finally {
      running = false;
      await Promise.all(load);
    }
    expect(failures).toEqual([]);
    expect(await updates("loaded")).toBe(1);
  });

  test("a supergraph that does not load is counted, and the one served goes on", async () => {
    fs.writeFileSync(file, "this is not a supergraph");
    await until(async () => (await updates("refused")) === 1);
    expect(await client().request(TAGS_QUERY)).toEqual({ productsByTags: [] });
    expect(await updates("loaded")).toBe(1);
  });
});
