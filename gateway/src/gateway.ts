import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import type { Request } from "express";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Redis } from "ioredis";
import {
  apolloTelemetryEnabled,
  circuitBreakerSettingsOf,
  graphqlLimitsOf,
  readEnv,
  type AuthMode,
  type GraphQLLimits,
  type MetricsSettings,
  type OrderEventsSettings,
  type SubgraphName,
  type TrustedDocumentsMode,
  type SubscriptionLimits,
  MAX_BODY_BYTES,
} from "../../lib/config";
import { createServiceClient } from "../../lib/service-client";
import { observeBreakers, type BreakerSettings, type DependencyBreaker } from "../../lib/circuit-breaker";
import { ErrorCode, maskUnexpectedErrors } from "../../lib/errors";
import { createHttpApp, jsonBody, jsonErrors } from "../../lib/http-app";
import { listen, type RunningServer } from "../../lib/http-server";
import type { Logger } from "../../lib/logger";
import { RateLimiters, tryConsume } from "../../lib/rate-limit";
import { accountLookupVia, buildGatewayContext, contextOfCaller, type GatewayContext } from "./context";
import { startSubscriptions } from "./subscriptions";
import type { SubscriptionServer } from "./subscriptions/subscription-server";
import { cachedAccountLookup } from "./account-cache";
import { forgetChangedAccounts } from "./account-changes";
import { checkSubgraphs, subgraphChecks } from "./health";
import { supergraphSource, type SupergraphSourceSettings } from "./supergraph-source";
import { healthRoutes } from "../../lib/health";
import { queryLimits } from "./query-limits";
import { clientMistakes } from "./request-errors";
import { ResponseBudgets, responseSizePlugin, sizeCheckedStringify } from "./response-size";
import { perClientRateLimit, perUserRateLimit, principalKey, tooManyMessage } from "./rate-limits";
import { scalarLiteralsRule } from "./scalar-literals";
import { playground } from "./playground";
import { readmeExampleOperationNames } from "./playground-examples";
import { graphqlMetricsPlugin } from "../../lib/observability/graphql-metrics";
import { knownOperationNames } from "../../lib/observability/known-operations";
import { observeHttp } from "../../lib/observability/http";
import { ServiceMetrics } from "../../lib/observability/metrics";
import { ObservedSubgraphRequests, subgraphFetchMetrics } from "./observed-subgraph-requests";
import type { GatewayClient } from "./gateway-client";
import { inProcessClient } from "./in-process-client";
import {
  apqStore,
  persistedQueryStore,
  requireTrustedDocuments,
  TRUSTED_DOCUMENTS_FILE,
  TrustedDocuments,
} from "./persisted-documents";

const DEFAULTS = readEnv({});

export interface GatewaySettings {
  port: number;
  host: string;
  /** Where each subgraph answers; overrides the URLs written in the supergraph file. */
  subgraphUrls: Record<SubgraphName, string>;
  supergraphSdl: string;
  /** Where new supergraphs come from while it runs (./supergraph-source.ts); none: `supergraphSdl` for good. */
  supergraphSource?: SupergraphSourceSettings;
  jwtSecret: string;
  /** Presented to the subgraphs, which answer nobody else. */
  serviceToken: string;
  /** Said at start-up; the subgraphs apply it. */
  authMode: AuthMode;
  logger: Logger;
  /**
   * Depth, aliases, directives, tokens, estimated cost and answer size of one operation, and expensive ones in flight
   * per client; lib/config.ts's defaults for those not given.
   */
  limits?: Partial<GraphQLLimits>;
  /** Introspection and field suggestions ("did you mean …"), what the playground's docs run on. Default: off. */
  introspection?: boolean;
  /** Requests a minute on /graphql per client address and per signed-in user; lib/config.ts's defaults when not given. */
  rateLimits?: { perClientPerMinute?: number; perUserPerMinute?: number };
  /** Where rate-limit counters are shared with the other gateway processes; this process's memory when absent. */
  redis?: Redis;
  /** Prefix of this platform's keys in Redis. */
  redisKeyPrefix?: string;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY); default nobody. */
  trustProxy?: readonly string[];
  /** CORS_ORIGINS; default any origin. */
  corsOrigins?: readonly string[];
  /** How long a subgraph may take to answer before the query fails with SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /** How long an account's role is kept between asks to the users subgraph (account-cache.ts); lib/config.ts's default when not given. */
  accountCacheTtlSeconds?: number;
  /** When a failing subgraph is cut off, and for how long; lib/config.ts's defaults when not given. */
  circuitBreaker?: BreakerSettings;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  /**
   * Where /metrics is served (a listener of its own, which gateway/src/main.ts opens last; else on this port and the
   * REST ports) and how many unknown operation names get a label; lib/config.ts's development defaults when not given.
   */
  metrics?: MetricsSettings;
  /** How long /health/ready and /health wait for each subgraph; lib/config.ts's default when not given. */
  healthCheckTimeoutMs?: number;
  /** Serve the self-hosted GraphiQL playground at /graphql to browsers (lib/config.ts playgroundEnabled). Default: on. */
  playground?: boolean;
  /** Automatic persisted queries (in `redis` when given, else in memory); lib/config.ts's defaults when not given; false: off. */
  apq?: false | { ttlSeconds?: number; memoryMb?: number };
  /** Trusted documents (./persisted-documents.ts): the mode, and the operator's file listed besides the manifest. Default: off. */
  trustedDocuments?: { mode: TrustedDocumentsMode; file?: string };
  /** NATS_URL and its stream, where subscriptions read order events; without, from the orders service (./subscriptions/). */
  orderEvents?: OrderEventsSettings;
  /** Subscriptions per connection and client, timeouts, slow consumers; lib/config.ts's defaults when not given. */
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** Apollo Gateway's anonymous usage figures to Apollo (APOLLO_TELEMETRY_DISABLED=false); lib/config.ts's default (off) when not given. */
  apolloTelemetry?: boolean;
}

export interface RunningGateway extends RunningServer {
  /** Runs operations in this process as /graphql would for a REST request's client: what the REST shim is served by. */
  inProcess: GatewayClient;
}

/** The public entry: one GraphQL endpoint over the composed supergraph, a playground, /health, /health/live and /health/ready. */
export async function startGateway(settings: GatewaySettings): Promise<RunningGateway> {
  const { logger, subgraphUrls } = settings;
  const trustedMode = settings.trustedDocuments?.mode ?? "off";
  // Read whatever the mode, so that a broken operator file stops start-up before anyone turns the mode on.
  const trusted = TrustedDocuments.load([
    TRUSTED_DOCUMENTS_FILE,
    ...(settings.trustedDocuments?.file ? [settings.trustedDocuments.file] : []),
  ]);
  const listed = trustedMode === "off" ? undefined : trusted;
  const introspection = settings.introspection ?? false;
  const limitSettings = { ...graphqlLimitsOf(DEFAULTS), ...settings.limits };
  const limits = queryLimits<GatewayContext>(limitSettings, {
    hideFieldSuggestions: !introspection,
    supergraphSdl: settings.supergraphSdl,
    clientOf: principalKey,
  });
  const budgets = new ResponseBudgets(limitSettings.maxResponseBytes);
  const rateLimiters = new RateLimiters(settings.redis);
  const limiter = (name: string, perMinute: number) =>
    rateLimiters.create({
      keyPrefix: `${settings.redisKeyPrefix ?? DEFAULTS.REDIS_KEY_PREFIX}:gateway-${name}`,
      points: perMinute,
      windowSeconds: 60,
    });
  const perClient = limiter("client", settings.rateLimits?.perClientPerMinute ?? DEFAULTS.GRAPHQL_RATE_LIMIT_PER_MINUTE);
  const perUser = limiter("user", settings.rateLimits?.perUserPerMinute ?? DEFAULTS.GRAPHQL_USER_RATE_LIMIT_PER_MINUTE);

  const metrics = new ServiceMetrics("gateway", settings.metrics);
  const fetches = subgraphFetchMetrics(metrics);
  const breakerSettings = settings.circuitBreaker ?? circuitBreakerSettingsOf(DEFAULTS);
  const breakers: Record<string, DependencyBreaker> = {};
  // Apollo Gateway has no option for it, only its environment variable, read as it is constructed.
  process.env.APOLLO_TELEMETRY_DISABLED = (settings.apolloTelemetry ?? apolloTelemetryEnabled(DEFAULTS)) ? "false" : "true";
  const gateway = new ApolloGateway({
    supergraphSdl: settings.supergraphSource
      ? supergraphSource(settings.supergraphSdl, settings.supergraphSource, logger, metrics)
      : settings.supergraphSdl,
    buildService: ({ name, url }) => {
      const subgraph = name as SubgraphName;
      const requests = new ObservedSubgraphRequests(
        subgraphUrls[subgraph] ?? url,
        settings.subgraphTimeoutMs,
        settings.serviceToken,
        breakerSettings,
        budgets,
        { subgraph, fetches },
      );
      breakers[subgraph] = requests.breaker;
      return requests;
    },
  });
  const apq =
    settings.apq === false
      ? undefined
      : apqStore({
          ttlSeconds: settings.apq?.ttlSeconds ?? DEFAULTS.GRAPHQL_APQ_TTL_SECONDS,
          memoryBytes: (settings.apq?.memoryMb ?? DEFAULTS.GRAPHQL_APQ_MEMORY_MB) * 1024 * 1024,
          redis: settings.redis,
          redisKeyPrefix: settings.redisKeyPrefix,
          logger,
        });
  const accounts = createServiceClient(
    subgraphUrls.users,
    settings.serviceToken,
    "users",
    settings.subgraphTimeoutMs,
    breakerSettings,
  );
  if (accounts.breaker) breakers["users-accounts"] = accounts.breaker;
  observeBreakers(metrics, breakers);
  const findAccount = cachedAccountLookup(accountLookupVia(accounts), {
    ttlSeconds: settings.accountCacheTtlSeconds ?? DEFAULTS.ACCOUNT_CACHE_TTL_SECONDS,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // Stopping on SIGINT/SIGTERM is lib/run-service.ts's job; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    formatError: maskUnexpectedErrors,
    stringifyResult: sizeCheckedStringify(limitSettings.maxResponseBytes),
    introspection,
    // Both are Apollo's defaults; said here so that nobody turns them off by accident.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Hashes are looked up in the listed documents, then in the APQ store (./persisted-documents.ts); neither: refused.
    persistedQueries: listed || apq ? { cache: persistedQueryStore(listed, apq) } : false,
    validationRules: [...limits.validationRules, scalarLiteralsRule],
    parseOptions: limits.parseOptions,
    plugins: [
      clientMistakes(),
      ...limits.plugins,
      responseSizePlugin(budgets),
      perUserRateLimit(perUser),
      forgetChangedAccounts(findAccount),
      // Nothing is reported to Apollo's cloud, whatever APOLLO_KEY the environment may hold.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints: nothing caches GraphQL answers over HTTP (the subgraphs send none either).
      ApolloServerPluginCacheControlDisabled(),
      // The playground is our own, self-hosted GraphiQL (./playground.ts), not Apollo Sandbox from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // The playground's examples are known names too; the README they come from is there only where it is served.
      graphqlMetricsPlugin(
        metrics,
        knownOperationNames("gateway", (settings.playground ?? true) ? readmeExampleOperationNames() : []),
      ),
    ],
  });
  let apiSchema: GraphQLSchema | undefined;
  // Kept current as the supergraph changes (supergraph-source.ts): subscriptions are checked against the same schema.
  gateway.onSchemaLoadOrUpdate((schemaContext) => (apiSchema = schemaContext.apiSchema));
  // As a subgraph's start (subgraph-server.ts): nothing of a gateway that did not start lives on (its supergraph
  // poller, its subscriptions' feed, its metrics registry); the caller gets the start's own error.
  const releaseAfterFailedStart =
    (subscriptions?: SubscriptionServer) =>
    async (error: unknown): Promise<never> => {
      await subscriptions?.close().catch(() => undefined);
      await apollo.stop().catch(() => undefined);
      metrics.close();
      rateLimiters.close();
      throw error;
    };
  await apollo.start().catch(releaseAfterFailedStart());

  const app = createHttpApp({
    trustProxy: settings.trustProxy,
    corsOrigins: settings.corsOrigins ?? DEFAULTS.CORS_ORIGINS,
    corsExposedHeaders: ["Retry-After"],
    servesPlayground: settings.playground ?? true,
    compress: true,
  });
  observeHttp(app, logger, metrics);
  // Ready when every subgraph is (each answers its /health/ready, so its database too); the REST ports serve the same.
  const readiness = subgraphChecks(subgraphUrls, settings.healthCheckTimeoutMs ?? DEFAULTS.HEALTH_CHECK_TIMEOUT_MS);
  const health = healthRoutes(readiness);
  app.use(health);
  app.get("/health", async (_req, res) => {
    const subgraphs = await checkSubgraphs(readiness);
    const healthy = Object.values(subgraphs).every((status) => status === "ok");
    res.status(healthy ? 200 : 503).json({ status: healthy ? "ok" : "degraded", gateway: "ok", subgraphs });
  });
  if (settings.playground ?? true) app.use(playground());
  const buildContext = (req: Request) => buildGatewayContext(req, { jwtSecret: settings.jwtSecret, findAccount });
  const subscriptions = startSubscriptions({
    ...settings,
    apollo,
    app,
    limits,
    schema: () => apiSchema!,
    contextOf: (authorization, clientAddress) =>
      contextOfCaller({ authorization, clientAddress }, { jwtSecret: settings.jwtSecret, findAccount }),
    chargeRequest: async (clientAddress) => {
      const verdict = await tryConsume(perClient, `ip:${clientAddress ?? "unknown"}`);
      return verdict.allowed
        ? null
        : new GraphQLError(tooManyMessage, {
            extensions: { code: ErrorCode.TOO_MANY_REQUESTS, retryAfterSeconds: verdict.retryAfterSeconds },
          });
    },
  });
  app.use(
    "/graphql",
    perClientRateLimit(perClient),
    ...jsonBody(settings.maxBodyBytes ?? MAX_BODY_BYTES.graphql),
    requireTrustedDocuments({ mode: trustedMode, trusted, introspection, parseOptions: limits.parseOptions }),
    subscriptions.sse,
    expressMiddleware(apollo, { context: async ({ req }) => buildContext(req) }),
  );
  app.use(...jsonErrors("graphql", logger));

  const server = await listen(app, settings.port, settings.host).catch(releaseAfterFailedStart(subscriptions));
  subscriptions.attach(server.httpServer!);
  logger.info({ url: `${server.url}/graphql`, authMode: settings.authMode }, `gateway ready (AUTH_MODE=${settings.authMode})`);
  return {
    ...server,
    inProcess: inProcessClient({ apollo, buildContext, perClient, subgraphChecks: readiness, healthRoutes: health, metrics }),
    close: async () => {
      await subscriptions.close();
      await server.close();
      try {
        await apollo.stop();
      } finally {
        metrics.close();
        rateLimiters.close();
      }
    },
  };
}
