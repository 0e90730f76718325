import crypto from "node:crypto";
import net from "node:net";
import { gql } from "graphql-tag";
import { readEnv, securitySettingsOf } from "../lib/config";
import { createLogger } from "../lib/logger";
import { ServiceMetrics } from "../lib/observability/metrics";
import { startSubgraph } from "../subgraphs/shared/subgraph-server";

describe("a subgraph that cannot start", () => {
  test("releases what it holds (its database, orders' event relay, its metrics) before reporting the failure", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as net.AddressInfo;
    let stops = 0;
    const metrics = new ServiceMetrics("example");
    try {
      const starting = startSubgraph({
        name: "example",
        typeDefs: gql`
          type Query {
            hello: String
          }
        `,
        resolvers: { Query: { hello: () => "hi" } },
        port,
        host: "127.0.0.1",
        secrets: { jwtSecret: crypto.randomBytes(32).toString("hex"), serviceToken: crypto.randomBytes(32).toString("hex") },
        security: securitySettingsOf(readEnv({})),
        logger: createLogger("test", "silent"),
        metrics,
        createContext: (identity) => identity,
        isHealthy: async () => true,
        onStop: async () => {
          stops += 1;
        },
      });
      await expect(starting).rejects.toThrow(/EADDRINUSE/);
      expect(stops).toBe(1);
      // Emptied: the registry no longer holds the service's gauges, and through their callbacks the service.
      expect(metrics.registry.getMetricsAsArray()).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
