import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import depthLimit from "graphql-depth-limit";
import type { SubgraphName } from "../../lib/config";
import { maskUnexpectedErrors } from "../../lib/errors";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import { buildGatewayContext, type GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { playground } from "./playground";
import { graphqlMetricsPlugin } from "../../lib/observability/graphql-metrics";
import { observeHttp } from "../../lib/observability/http";
import { ServiceMetrics } from "../../lib/observability/metrics";
import { ObservedSubgraphRequests, subgraphFetchMetrics } from "./observed-subgraph-requests";

export interface GatewaySettings {
  port: number;
  host: string;
  /** Where each subgraph answers; overrides the URLs written in the supergraph file. */
  subgraphUrls: Record<SubgraphName, string>;
  supergraphSdl: string;
  jwtSecret: string;
  logger: Logger;
  /** Deepest accepted selection (a cheap guard against abusive nesting such as user → orders → user → …). */
  maxQueryDepth: number;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  /** Serve the GraphiQL playground at /graphql to browsers (lib/config.ts playgroundEnabled). Default: on. */
  playground?: boolean;
  /** Answer introspection queries (lib/config.ts introspectionAllowed). Default: on. */
  introspection?: boolean;
}

/** The public entry: one GraphQL endpoint over the composed supergraph, a playground, and /health. */
export async function startGateway(settings: GatewaySettings): Promise<RunningServer> {
  const { logger, subgraphUrls } = settings;
  const metrics = new ServiceMetrics("gateway");
  const fetches = subgraphFetchMetrics(metrics);
  const gateway = new ApolloGateway({
    supergraphSdl: settings.supergraphSdl,
    buildService: ({ name, url }) =>
      new ObservedSubgraphRequests(subgraphUrls[name as SubgraphName] ?? url, name as SubgraphName, fetches),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // Stopping on SIGINT/SIGTERM is lib/run-service.ts's job; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    formatError: maskUnexpectedErrors,
    validationRules: [depthLimit(settings.maxQueryDepth)],
    introspection: settings.introspection ?? true,
    // The playground is our own, self-hosted GraphiQL (./playground.ts), not Apollo Sandbox from a CDN.
    plugins: [ApolloServerPluginLandingPageDisabled(), graphqlMetricsPlugin(metrics)],
  });
  await apollo.start();

  const app = express();
  app.disable("x-powered-by");
  observeHttp(app, logger, metrics);
  app.get("/health", async (_req, res) => {
    const subgraphs = await checkSubgraphs(subgraphUrls);
    const healthy = Object.values(subgraphs).every((status) => status === "ok");
    res.status(healthy ? 200 : 503).json({ status: healthy ? "ok" : "degraded", gateway: "ok", subgraphs });
  });
  if (settings.playground ?? true) app.use(playground());
  app.use(
    "/graphql",
    express.json({ limit: settings.maxBodyBytes ?? 1_000_000 }),
    expressMiddleware(apollo, { context: async ({ req }) => buildGatewayContext(req, settings.jwtSecret) }),
  );

  const server = await listen(app, settings.port, settings.host);
  logger.info({ url: `${server.url}/graphql` }, "gateway ready");
  return {
    ...server,
    close: async () => {
      await server.close();
      await apollo.stop();
    },
  };
}
