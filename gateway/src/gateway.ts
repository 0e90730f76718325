import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import depthLimit from "graphql-depth-limit";
import type { SubgraphName } from "../../lib/config";
import { maskUnexpectedErrors } from "../../lib/errors";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import { buildGatewayContext, type GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { SubgraphRequests } from "./subgraph-requests";

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
  /** How long a subgraph may take to answer before the query fails with SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
}

/** The public entry: one GraphQL endpoint over the composed supergraph, a playground, and /health. */
export async function startGateway(settings: GatewaySettings): Promise<RunningServer> {
  const { logger, subgraphUrls } = settings;
  const gateway = new ApolloGateway({
    supergraphSdl: settings.supergraphSdl,
    buildService: ({ name, url }) => new SubgraphRequests(subgraphUrls[name as SubgraphName] ?? url, settings.subgraphTimeoutMs),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // Stopping on SIGINT/SIGTERM is lib/run-service.ts's job; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    formatError: maskUnexpectedErrors,
    validationRules: [depthLimit(settings.maxQueryDepth)],
    // The playground (Apollo Sandbox) for browsers that open /graphql.
    plugins: [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })],
  });
  await apollo.start();

  const app = express();
  app.disable("x-powered-by");
  app.get("/health", async (_req, res) => {
    const subgraphs = await checkSubgraphs(subgraphUrls);
    const healthy = Object.values(subgraphs).every((status) => status === "ok");
    res.status(healthy ? 200 : 503).json({ status: healthy ? "ok" : "degraded", gateway: "ok", subgraphs });
  });
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
