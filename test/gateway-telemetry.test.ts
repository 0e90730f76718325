import { execFileSync } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { startLoneGateway } from "./support/lone-gateway";

/**
 * Apollo Gateway sends Apollo anonymous usage figures from every gateway unless APOLLO_TELEMETRY_DISABLED is set,
 * and to describe the host it probes ten cloud providers' metadata addresses as it is constructed. A shop's gateway
 * does neither unless its operator allows it (APOLLO_TELEMETRY_DISABLED=false, README "Configuration").
 */
/** Where fetch (Node's own undici) and the undici package announce a connection they are about to open. */
const UNDICI_CONNECTS = "undici:client:beforeConnect";

describe("Apollo's usage figures", () => {
  /**
   * The HTTP connections opened while a gateway starts, is asked for its /health once over node:http and once with
   * fetch, and stops. Apollo's probes and exporter go through node:http's Agents today (the AWS, Azure and Alibaba
   * detectors call http.request, GCP's node-fetch, the OTLP exporter too); fetch and the undici package announce each
   * connection on undici's diagnostics channel, which this watches too, should they move there. The two /health
   * calls show that both watches see what they should.
   */
  async function connectionsOpenedByAStart(): Promise<string[]> {
    const opened: string[] = [];
    const original = http.Agent.prototype.createConnection;
    const connect = jest.spyOn(http.Agent.prototype, "createConnection").mockImplementation(function (
      this: http.Agent,
      ...args: Parameters<typeof original>
    ) {
      opened.push(`http ${String(args[0].host)}:${String(args[0].path ?? args[0].port)}`);
      return original.apply(this, args);
    });
    const onUndiciConnect = (message: unknown) => {
      const { hostname, port } = (message as { connectParams: { hostname: string; port: string } }).connectParams;
      opened.push(`fetch ${hostname}:${port}`);
    };
    diagnostics.subscribe(UNDICI_CONNECTS, onUndiciConnect);
    try {
      const gateway = await startLoneGateway();
      try {
        const port = new URL(gateway.url).port;
        await new Promise((resolve, reject) =>
          http
            .get(`http://127.0.0.1:${port}/health/live`, (response) => response.resume().on("end", resolve))
            .on("error", reject),
        );
        expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      } finally {
        await gateway.close();
      }
    } finally {
      connect.mockRestore();
      diagnostics.unsubscribe(UNDICI_CONNECTS, onUndiciConnect);
    }
    return opened;
  }

  test("are off by default: a gateway's start opens no connection but the two the test makes", async () => {
    const opened = await connectionsOpenedByAStart();
    expect(opened).toEqual([expect.stringMatching(/^http 127\.0\.0\.1:\d+$/), expect.stringMatching(/^fetch 127\.0\.0\.1:\d+$/)]);
  });
});

describe("@apollo/gateway's modules loaded only when used (patches/README.md)", () => {
  /**
   * Runs `steps` in a Node process of its own (Jest's module registry is not Node's) and answers, after each step,
   * which of the deferred packages are loaded.
   */
  function deferredPackagesLoadedAfter(steps: Record<string, string>): Record<string, string[]> {
    const script = `
      const loaded = () => [...new Set(Object.keys(require.cache)
        .map((file) => /node_modules\\/(make-fetch-happen|@opentelemetry\\/(?:sdk-metrics|resources|resource-detector-[a-z-]+|exporter-metrics-otlp-http))\\//.exec(file)?.[1])
        .filter(Boolean))].sort();
      (async () => {
        const after = {};
        ${Object.entries(steps)
          .map(([name, code]) => `await (async () => { ${code} })(); after[${JSON.stringify(name)}] = loaded();`)
          .join("\n")}
        console.log(JSON.stringify(after));
      })();
    `;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as Record<string, string[]>;
  }

  test("none on import; the telemetry's when it is created; make-fetch-happen for a data source without a fetcher", () => {
    const after = deferredPackagesLoadedAfter({
      import: `require("@apollo/gateway");`,
      dataSourceWithFetcher: `new (require("@apollo/gateway").RemoteGraphQLDataSource)({ url: "http://127.0.0.1:1", fetcher: fetch });`,
      telemetry: `await require("@apollo/gateway/dist/utilities/opentelemetry").createDataCollectionExporter().shutdown();`,
      dataSourceWithoutFetcher: `new (require("@apollo/gateway").RemoteGraphQLDataSource)({ url: "http://127.0.0.1:1" });`,
    });
    const telemetryPackages = [
      "@opentelemetry/exporter-metrics-otlp-http",
      "@opentelemetry/resource-detector-alibaba-cloud",
      "@opentelemetry/resource-detector-aws",
      "@opentelemetry/resource-detector-azure",
      "@opentelemetry/resource-detector-gcp",
      "@opentelemetry/resources",
      "@opentelemetry/sdk-metrics",
    ];
    expect(after).toEqual({
      import: [],
      dataSourceWithFetcher: [],
      telemetry: telemetryPackages,
      dataSourceWithoutFetcher: [...telemetryPackages, "make-fetch-happen"].sort(),
    });
  });
});
