import { ApolloGateway } from "@apollo/gateway";
import type { Fetcher } from "@apollo/utils.fetcher";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import depthLimit from "graphql-depth-limit";
import type { AuthMode, SubgraphName } from "../../lib/config";
import { createServiceClient } from "../../subgraphs/shared/service-client";
import { maskUnexpectedErrors } from "../../lib/errors";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import { accountLookupVia, buildGatewayContext, type GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { SubgraphRequests } from "./subgraph-requests";

export interface GatewaySettings {
  port: number;
  host: string;
  /** Where each subgraph answers; overrides the URLs written in the supergraph file. */
  subgraphUrls: Record<SubgraphName, string>;
  supergraphSdl: string;
  jwtSecret: string;
  /** Presented to the subgraphs, which answer nobody else. */
  serviceToken: string;
  /** Said at start-up; the subgraphs apply it. */
  authMode: AuthMode;
  logger: Logger;
  /** Deepest accepted selection (a cheap guard against abusive nesting such as user → orders → user → …). */
  maxQueryDepth: number;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
}

/** The public entry: one GraphQL endpoint over the composed supergraph, a playground, and /health. */
export async function startGateway(settings: GatewaySettings): Promise<RunningServer> {
  const { logger, subgraphUrls } = settings;
  const gateway = new ApolloGateway({
    supergraphSdl: settings.supergraphSdl,
    // Node's own fetch (undici) rather than Apollo's default make-fetch-happen: a connection pool that
    // honours the subgraphs' keep-alive, without the HTTP-cache layers a subgraph call never uses.
    buildService: ({ name, url }) =>
      new SubgraphRequests({ url: subgraphUrls[name as SubgraphName] ?? url, fetcher: fetch as Fetcher }, settings.serviceToken),
  });
  const findAccount = accountLookupVia(createServiceClient(subgraphUrls.users, settings.serviceToken, "users"));
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
    expressMiddleware(apollo, {
      context: async ({ req }) => buildGatewayContext(req, { jwtSecret: settings.jwtSecret, findAccount }),
    }),
  );

  const server = await listen(app, settings.port, settings.host);
  logger.info({ url: `${server.url}/graphql`, authMode: settings.authMode }, `gateway ready (AUTH_MODE=${settings.authMode})`);
  return {
    ...server,
    close: async () => {
      await server.close();
      await apollo.stop();
    },
  };
}
