import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { unwrapResolverError } from "@apollo/server/errors";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLFormattedError } from "graphql";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { expressMiddleware } from "@as-integrations/express5";
import type { RequestHandler } from "express";
import type { DocumentNode } from "graphql";
import { createHttpApp, jsonBody, jsonErrors } from "../../lib/http-app";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import type { PlatformSecrets } from "../../lib/secrets";
import { DomainError, isPublicErrorCode, maskUnexpectedErrors } from "../../lib/errors";
import { readEnv, type SecuritySettings } from "../../lib/config";
import { databaseFailureError, databaseFailureOf } from "./database-errors";
import { boundedCheck, healthRoutes } from "../../lib/health";
import { inputGuard } from "./input-guard";
import { hasServiceCredential, readRequestIdentity, type RequestIdentity } from "../../lib/request-identity";
import { graphqlMetricsPlugin } from "../../lib/observability/graphql-metrics";
import { knownOperationNames } from "../../lib/observability/known-operations";
import { serveMetrics } from "../../lib/observability/metrics-server";
import { observeHttp } from "../../lib/observability/http";
import type { ServiceMetrics } from "../../lib/observability/metrics";

/**
 * Start-up shared by the three subgraphs: the federated schema, the service
 * credential every /graphql request must carry, the identity read from each
 * request, the check of every string input, error masking, JSON-only HTTP
 * answers, `/health` (and `/health/live`, `/health/ready`), and an orderly stop.
 */
const DEFAULTS = readEnv({});

export interface SubgraphOptions<Context> {
  name: string;
  typeDefs: DocumentNode;
  /** The generated `Resolvers` type of the subgraph; checked there, so loosely typed here. */
  resolvers: object;
  port: number;
  host: string;
  secrets: PlatformSecrets;
  security: SecuritySettings;
  logger: Logger;
  /** The subgraph's metrics registry (its domain services count into it too), served at /metrics here or on its own listener. */
  metrics: ServiceMetrics;
  /** Builds the per-request context (loaders, services) around the caller's identity. */
  createContext(identity: RequestIdentity): Context;
  /** Whether its database answers: /health and /health/ready, each bounded by `healthCheckTimeoutMs`. */
  isHealthy(): Promise<boolean>;
  /** How long that check may take before the database counts as down; lib/config.ts's default when not given. */
  healthCheckTimeoutMs?: number;
  /** Further routes for the platform's own services only (orders' event feed), behind the service credential. */
  internalRoutes?: RequestHandler;
  /** Called after the HTTP server has stopped: close the database here. */
  onStop(): Promise<void>;
  /** Apollo Server plugins of this subgraph's own (users: the accounts whose sessions ended, for the gateway). */
  plugins?: ApolloServerPlugin<Context & object>[];
}

export async function startSubgraph<Context extends object>(options: SubgraphOptions<Context>): Promise<RunningServer> {
  const { name, logger } = options;
  const apollo = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    includeStacktraceInErrorResponses: false,
    // Stopping on SIGINT/SIGTERM is lib/run-service.ts's job; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    // No Apollo Studio here: no landing page, no inline traces or reports for it. No cache hints either: nothing
    // caches GraphQL answers over HTTP, and the hook Apollo runs on every field for them cost 1-2% of a subgraph's CPU.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      inputGuard(),
      logUnexpectedErrors(logger),
      graphqlMetricsPlugin(options.metrics, knownOperationNames(name)),
      ...(options.plugins ?? []),
    ],
    formatError: (formatted, error) => maskUnexpectedErrors(answerDatabaseFailure(formatted, error)),
  });
  let server: RunningServer | undefined;
  let metricsServer: RunningServer | undefined;
  try {
    await apollo.start();
    server = await listen(buildApp(apollo, options), options.port, options.host);
    metricsServer = await serveMetrics(options.metrics, logger);
  } catch (error) {
    await server?.close().catch(() => undefined);
    // Nothing of a subgraph that did not start may live on (its database pool, orders' event relay): the caller
    // gets the start's own error and nothing to close.
    await apollo.stop().catch(() => undefined);
    await options
      .onStop()
      .catch((stopError: unknown) => logger.error({ err: stopError }, "could not release what the subgraph held"));
    options.metrics.close();
    throw error;
  }
  const { authMode } = options.security;
  logger.info({ url: `${server.url}/graphql`, authMode }, `${name} subgraph ready (AUTH_MODE=${authMode})`);
  const running = server;
  return {
    ...running,
    metricsUrl: metricsServer?.url,
    close: async () => {
      await metricsServer?.close();
      await running.close();
      try {
        await apollo.stop();
        await options.onStop();
      } finally {
        options.metrics.close();
      }
    },
  };
}

/** The subgraph's HTTP side: /health, /health/live, /health/ready, and /graphql for the platform's own callers only. */
function buildApp<Context extends object>(apollo: ApolloServer<Context>, options: SubgraphOptions<Context>) {
  const { name, logger } = options;
  // Only the gateway and sibling services call a subgraph: no CORS, and no proxy is trusted.
  const app = createHttpApp();
  observeHttp(app, logger, options.metrics);
  // Bounded, so that a database that hangs (not only one that refuses) makes the answer 503 in time, not a probe timeout.
  const database = boundedCheck(options.isHealthy, options.healthCheckTimeoutMs ?? DEFAULTS.HEALTH_CHECK_TIMEOUT_MS);
  app.use(healthRoutes({ database }));
  app.get("/health", async (_req, res) => {
    const healthy = await database();
    res.status(healthy ? 200 : 503).json({ status: healthy ? "ok" : "unhealthy", service: name });
  });
  const { authMode } = options.security;
  // Before the body is even read: without the service credential nothing runs, `_entities` included.
  const platformOnly: RequestHandler = (req, res, next) => {
    if (hasServiceCredential(req.headers, options.secrets.serviceToken)) return next();
    res.status(401).json({
      errors: [{ message: "This service only answers the platform's gateway", extensions: { code: "UNAUTHENTICATED" } }],
    });
  };
  if (options.internalRoutes) app.use("/internal", platformOnly, options.internalRoutes);
  app.use(
    "/graphql",
    platformOnly,
    ...jsonBody(1_000_000),
    expressMiddleware(apollo, {
      context: async ({ req }) => options.createContext(readRequestIdentity(req.headers, authMode)),
    }),
  );
  app.use(...jsonErrors("graphql", logger));

  return app;
}

/** Errors met while running a mutation: a write whose connection broke may have committed (answerDatabaseFailure). */
const mutationErrors = new WeakSet<object>();

/**
 * A database failure no resolver turned into an answer of its own becomes
 * SERVICE_UNAVAILABLE or CONFLICT with `retryable` (database-errors.ts), never
 * an INTERNAL_SERVER_ERROR: retryable for a read, and for a write only when
 * it is known not applied. Services whose writes are idempotent (orders'
 * keyed placements and status moves) say so themselves.
 */
function answerDatabaseFailure(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isPublicErrorCode(formatted.extensions?.code)) return formatted;
  const answer = databaseFailureError(unwrapResolverError(error), !(error instanceof Object && mutationErrors.has(error)));
  return answer ? { message: answer.message, path: formatted.path, extensions: answer.extensions } : formatted;
}

function logUnexpectedErrors(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        // Runs before the errors are formatted, with the same error objects.
        async didEncounterErrors({ errors, operation }) {
          for (const error of errors) {
            if (operation?.operation === "mutation") mutationErrors.add(error);
            const original = unwrapResolverError(error);
            if (original instanceof DomainError || isPublicErrorCode(error.extensions?.code)) continue;
            if (databaseFailureOf(original))
              logger.warn({ err: original }, "the database failed a request; answered as retryable where safe");
            else logger.error({ err: original }, "unexpected error while resolving");
          }
        },
      };
    },
  };
}
