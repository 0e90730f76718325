// The comparison gateway of `npm run bench`: The Guild's Hive Gateway runtime
// serving the same committed supergraph over the same running subgraphs, so
// both gateways do the same work. Started by bench.ts as its own process:
//   HIVE_PORT, USERS_URL, PRODUCTS_URL, ORDERS_URL, SERVICE_TOKEN,
//   HIVE_RUNTIME: "default" (planning and execution in JavaScript) or "router" (Hive Router's Rust query planner
//   and its executor, @graphql-hive/router-runtime: what HIVE_ROUTER_RUNTIME=true selects in Hive's own CLI).
import http from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";
import { readSupergraph } from "../../gateway/src/supergraph";

const urls: Record<string, string> = {
  "http://localhost:4001/graphql": process.env.USERS_URL!,
  "http://localhost:4002/graphql": process.env.PRODUCTS_URL!,
  "http://localhost:4003/graphql": process.env.ORDERS_URL!,
};
// The supergraph names each subgraph's default URL; point them at the running ones.
const supergraph = Object.entries(urls).reduce((sdl, [from, to]) => sdl.split(`"${from}"`).join(`"${to}"`), readSupergraph());

const runtime = createGatewayRuntime({
  supergraph,
  ...(process.env.HIVE_RUNTIME === "router" ? { unifiedGraphHandler } : {}),
  logging: "error",
  // Our gateway executes every request and sends every subgraph fetch; so does this one. Inbound dedup is off by
  // default (said here on purpose); outbound dedup (identical subgraph fetches in flight share one) is ON by
  // default in its HTTP transport, so it is turned off below, or 50 identical queries would share fetches.
  inboundInflightRequestDeduplication: false,
  landingPage: false,
  graphiql: false,
  // The subgraphs accept only callers holding the service credential.
  transportEntries: {
    "*": {
      headers: [["x-service-token", process.env.SERVICE_TOKEN ?? ""]],
      options: { deduplicateInflightRequests: false },
    },
  },
});

http.createServer(runtime).listen(Number(process.env.HIVE_PORT), "127.0.0.1", () => {
  process.stdout.write(`hive gateway (${process.env.HIVE_RUNTIME ?? "default"} runtime) ready\n`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
