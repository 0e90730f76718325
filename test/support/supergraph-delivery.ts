import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import type { RunningGateway } from "../../gateway/src/gateway";
import type { SupergraphSourceSettings } from "../../gateway/src/supergraph-source";
import { readSupergraph } from "../../gateway/src/supergraph";
import { createTestDatabases, type TestDatabases } from "./databases";
import { startGatewayBeside, startTestPlatform, type TestPlatform } from "./platform";
import { until } from "./until";

/** Two supergraphs and a query only the newer serves: what the schema-delivery tests swap under a running gateway. */
export const FULL = readSupergraph();
/** The supergraph as it was before `productsByTags` was added (the field and its doc string gone). */
export const WITHOUT_TAGS = FULL.replace(/\n\s*"""(?:(?!""")[\s\S])*"""\s*\n\s*productsByTags\(.*/, "");
export const TAGS_QUERY = `{ productsByTags(tags: ["none"]) { id } }`;

/** A platform on PGlite and one more gateway that started on WITHOUT_TAGS, from a file of its own (and a URL, if given). */
export interface DeliveryPlatform {
  gateway: RunningGateway;
  /** The supergraph file the gateway watches. */
  file: string;
  client(): GraphQLClient;
  /** shop_supergraph_updates_total of the gateway for `outcome` (loaded, refused). */
  updates(outcome: "loaded" | "refused"): Promise<number>;
  /** Runs eight clients sending queries while `during` runs; answers the failures, and how many queries answered. */
  underLoad(during: (answered: () => number) => Promise<void>): Promise<unknown[]>;
  stop(): Promise<void>;
}

export async function startDeliveryPlatform(source: Partial<SupergraphSourceSettings> = {}): Promise<DeliveryPlatform> {
  const databases: TestDatabases = await createTestDatabases("pglite", { migrated: true });
  const platform: TestPlatform = await startTestPlatform(databases.configs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "supergraph-"));
  const file = path.join(dir, "supergraph.graphql");
  fs.writeFileSync(file, WITHOUT_TAGS);
  const gateway = (await startGatewayBeside(platform, {
    subgraphTimeoutMs: 10_000,
    supergraphSdl: WITHOUT_TAGS,
    supergraphSource: { file, pollIntervalMs: 100, ...source },
    rateLimits: { perClientPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
  })) as RunningGateway;
  const client = () => new GraphQLClient(`${gateway.url}/graphql`);
  return {
    gateway,
    file,
    client,
    updates: async (outcome) => {
      const metric = await gateway.inProcess.metrics.registry.getSingleMetric("shop_supergraph_updates_total")?.get();
      return metric?.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
    },
    underLoad: async (during) => {
      let running = true;
      let answered = 0;
      const failures: unknown[] = [];
      const load = Array.from({ length: 8 }, async () => {
        while (running) {
          await client()
            .request(`{ product(id: "1") { id name price } products(first: 5) { nodes { id } } }`)
            .then(
              () => (answered += 1),
              (error: unknown) => failures.push(error),
            );
        }
      });
      try {
        await until(async () => answered > 20);
        await during(() => answered);
        const atEnd = answered;
        await until(async () => answered > atEnd + 20);
      } finally {
        running = false;
        await Promise.all(load);
      }
      return failures;
    },
    stop: async () => {
      await gateway.close();
      await platform.stop();
      await databases.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
