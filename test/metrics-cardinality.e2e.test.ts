import v8 from "node:v8";
import vm from "node:vm";
import { readEnv } from "../lib/config";
import { MAX_OPERATION_LABEL_LENGTH } from "../lib/observability/graphql-metrics";
import { metricValue, scrape } from "./support/metrics";
import { PLATFORM_START_TIMEOUT_MS } from "./support/rest-platform";
import { useRestPlatform } from "./support/use-platform";

// Clients choose operation names and paths; Prometheus keeps a series per distinct label value. A flood of
// unique long names and paths, as the probe of issue 18 sent, through the real gateway, REST ports and subgraphs,
// each process serving /metrics on a listener of its own (METRICS_PORT=0 and the like: a port the OS picks).
const FLOOD = 200;
const NAME_BYTES = 300_000;
const MAX_OPERATION_NAMES = readEnv({}).METRICS_MAX_OPERATION_NAMES;

/** Every label value of a Prometheus exposition. */
function labelValues(exposition: string): string[] {
  return [...exposition.matchAll(/\w+="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]);
}

/** The heap after a full collection, in bytes (the gateway and the subgraphs all run in this process). */
function heapAfterGc(): number {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

describe("metrics under a flood of client-chosen names and paths (postgres)", () => {
  const rest = useRestPlatform(
    "postgres",
    {},
    { env: { METRICS_PORT: "0", USERS_METRICS_PORT: "0", PRODUCTS_METRICS_PORT: "0", ORDERS_METRICS_PORT: "0" } },
  );
  let metricsUrls: Record<"gateway" | "users" | "products" | "orders", string>;
  const query = (name: string) => `query ${name} { products(first: 1) { nodes { id } } }`;
  const graphql = (body: unknown, path = "/graphql") =>
    fetch(`${rest.platform.gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    const { subgraphs } = rest.platform;
    metricsUrls = {
      gateway: rest.gatewayMetricsUrl,
      users: subgraphs.users.metricsUrl!,
      products: subgraphs.products.metricsUrl!,
      orders: subgraphs.orders.metricsUrl!,
    };
  }, PLATFORM_START_TIMEOUT_MS);

  test("with a metrics port, /metrics is served there only: every public port answers 404 for it", async () => {
    const { platform, shim } = rest;
    const publicUrls = [
      platform.gateway.url,
      ...Object.values(shim.urls),
      ...Object.values(platform.subgraphs).map((s) => s.url),
    ];
    for (const url of publicUrls) expect({ url, status: (await fetch(`${url}/metrics`)).status }).toEqual({ url, status: 404 });
    for (const url of Object.values(metricsUrls)) {
      const response = await fetch(`${url}/metrics`);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      expect(await response.text()).toContain("process_cpu_user_seconds_total");
      // The metrics listener serves nothing else.
      expect((await fetch(`${url}/graphql`, { method: "POST" })).status).toBe(404);
    }
  });

  test("unique long operation names and paths leave the expositions small, their labels short, the rest counted as other", async () => {
    const { shim } = rest;
    const scrapeAll = async () =>
      Object.fromEntries(
        await Promise.all(Object.entries(metricsUrls).map(async ([service, url]) => [service, await scrape(url)] as const)),
      );
    const flood = async (round: number) => {
      for (let i = 0; i < FLOOD; i += 1) {
        const name = `Flood${round}_${i}_${"x".repeat(NAME_BYTES)}`;
        expect((await graphql({ query: query(name), operationName: name })).status).toBe(200);
        // An operation name the document does not define, and paths no route has, in every case and length.
        await graphql({ query: query("Products"), operationName: `Undefined${round}_${i}_${"y".repeat(1000)}` });
        await graphql({ query: query("Products") }, `/${i % 2 ? "GRAPHQL" : "GraphQL"}`);
        await fetch(`${shim.urls.legacyGateway}/api/products/${i}${"z".repeat(1000)}`);
        await fetch(`${shim.urls.products}/no/such/path/${round}/${i}/${"z".repeat(1000)}`);
      }
    };
    // Products is a known name (one of the playground's examples): it takes none of the first-come labels.
    const before = await scrapeAll();
    await flood(1);
    const heapAfterOne = heapAfterGc();
    const afterOne = await scrapeAll();
    await flood(2);
    const heapAfterTwo = heapAfterGc();
    const expositions = await scrapeAll();

    for (const [service, text] of Object.entries(expositions)) {
      const longest = Math.max(...labelValues(text).map((value) => value.length));
      expect({ service, longest: longest <= MAX_OPERATION_LABEL_LENGTH }).toEqual({ service, longest: true });
      // A few hundred KB at most (100 names' histograms at the gateway), where the probe saw 90 MB after 60 names.
      expect({ service, size: text.length }).toEqual({ service, size: text.length < 400_000 ? text.length : "over 400 KB" });
      // The second flood added no series: the same exposition but for the counts (their digits).
      expect({ service, grew: text.length - afterOne[service].length < 2_000 }).toEqual({ service, grew: true });
    }

    const gateway = expositions.gateway;
    const operations = (labels: Record<string, string>) => metricValue(gateway, "graphql_operations_total", labels) ?? 0;
    // The first METRICS_MAX_OPERATION_NAMES unknown names have a label each (cut to 64 characters); the rest are
    // other, as is every name the document does not define.
    expect(operations({ operation: "other" })).toBe(2 * FLOOD - MAX_OPERATION_NAMES + 2 * FLOOD);
    expect(operations({ operation: `Flood1_0_${"x".repeat(MAX_OPERATION_LABEL_LENGTH - 9)}` })).toBe(1);
    // The products subgraph gets the gateway's fetches, named after the client's operation: bounded the same way.
    expect(metricValue(expositions.products, "graphql_operations_total", { operation: "other" })).toBeGreaterThanOrEqual(
      2 * FLOOD - MAX_OPERATION_NAMES,
    );
    // Paths: templates only; a path no route matched is `unmatched`; /GraphQL is /graphql.
    const requests = (text: string, labels: Record<string, string>) => metricValue(text, "http_requests_total", labels) ?? 0;
    const added = (labels: Record<string, string>) => requests(gateway, labels) - requests(before.gateway, labels);
    expect(added({ route: "/graphql", method: "POST" })).toBe(2 * 3 * FLOOD);
    expect(added({ route: "/api/products/:id", method: "GET" })).toBe(2 * FLOOD);
    expect(added({ route: "unmatched", method: "GET" })).toBe(2 * FLOOD);
    // A known operation (the REST shim's RestProduct) keeps its own label after the flood.
    await fetch(`${shim.urls.legacyGateway}/api/products/1`);
    const restProduct = (text: string) => metricValue(text, "graphql_operations_total", { operation: "RestProduct" }) ?? 0;
    expect(restProduct(await scrape(metricsUrls.gateway)) - restProduct(gateway)).toBe(1);

    // Memory: the first flood fills Apollo's caches of parsed documents and query plans (at the gateway, and the
    // products subgraph's documents), each an LRU bounded at about 30 MiB, which names this long overflow. From
    // then on a unique name costs only what it displaces there; the registries hold the bounded labels only. So
    // the second flood, 60 MB of new names, must leave the heap where the first did (the bound is GC noise);
    // unbounded labels grew the gateway by 300 MB for 60 names of 100 KB in the probe.
    const secondFloodMb = (heapAfterTwo - heapAfterOne) / 2 ** 20;
    const started = performance.now();
    await scrape(metricsUrls.gateway);
    const scrapeMs = performance.now() - started;
    const sizes = (texts: Record<string, string>) => Object.values(texts).map((text) => text.length);
    console.log(
      `label flood: heap after the second flood ${secondFloodMb >= 0 ? "+" : ""}${secondFloodMb.toFixed(1)} MB; ` +
        `/metrics bytes (gateway/users/products/orders) before ${sizes(before).join("/")}, ` +
        `after one flood ${sizes(afterOne).join("/")}, after two ${sizes(expositions).join("/")}; gateway scrape ${scrapeMs.toFixed(1)} ms`,
    );
    expect(secondFloodMb).toBeLessThan(20);
  }, 600_000);
});
