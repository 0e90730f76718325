import http from "node:http";
import { startLoneGateway } from "./support/lone-gateway";

/**
 * Apollo Gateway sends Apollo anonymous usage figures from every gateway unless APOLLO_TELEMETRY_DISABLED is set,
 * and to describe the host it probes ten cloud providers' metadata addresses as it is constructed. A shop's gateway
 * does neither unless its operator allows it (APOLLO_TELEMETRY_DISABLED=false, README "Configuration").
 */
describe("Apollo's usage figures", () => {
  /**
   * The HTTP connections opened while a gateway starts, is asked for its /health over node:http, and stops. Apollo's
   * probes and exporter go through node:http's Agents (the AWS, Azure and Alibaba detectors call http.request, GCP's
   * node-fetch, the OTLP exporter too), which is where this looks; the /health call shows that it sees them.
   */
  async function connectionsOpenedByAStart(): Promise<string[]> {
    const opened: string[] = [];
    const original = http.Agent.prototype.createConnection;
    const connect = jest.spyOn(http.Agent.prototype, "createConnection").mockImplementation(function (
      this: http.Agent,
      ...args: Parameters<typeof original>
    ) {
      opened.push(`${String(args[0].host)}:${String(args[0].path ?? args[0].port)}`);
      return original.apply(this, args);
    });
    try {
      const gateway = await startLoneGateway();
      try {
        const port = new URL(gateway.url).port;
        await new Promise((resolve, reject) =>
          http
            .get(`http://127.0.0.1:${port}/health/live`, (response) => response.resume().on("end", resolve))
            .on("error", reject),
        );
      } finally {
        await gateway.close();
      }
    } finally {
      connect.mockRestore();
    }
    return opened;
  }

  test("are off by default: a gateway's start opens no connection but the one the test makes", async () => {
    const opened = await connectionsOpenedByAStart();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
