import type { ApolloServer } from "@apollo/server";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { Request, Router } from "express";
import { GraphQLError, print, type DocumentNode } from "graphql";
import type { SubgraphName } from "../../lib/config";
import { ErrorCode } from "../../lib/errors";
import { firstGraphQLError } from "../../lib/graphql-client";
import type { HealthCheck } from "../../lib/health";
import type { ServiceMetrics } from "../../lib/observability/metrics";
import { tryConsume, type RateLimiter } from "../../lib/rate-limit";
import { GatewayError, type GatewayClient } from "./gateway-client";
import type { GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { clientKey, tooManyMessage } from "./rate-limits";

/**
 * The REST shim's way into this gateway, in the same process: each REST
 * call's operation runs through the gateway's own Apollo server
 * (`executeOperation`), as if the REST client had sent it to /graphql itself.
 * The same context is built from the REST request (its token and address), the
 * same limits, per-user rate limit and error masking apply (Apollo plugins and
 * validation rules), and the call counts against the same per-client limit as
 * /graphql. What it saves is a whole HTTP hop: the shim's client, the
 * gateway's HTTP handling, and two JSON encodings (docs/benchmarks.md).
 */
export interface InProcessGateway {
  apollo: ApolloServer<GatewayContext>;
  buildContext(req: Request): Promise<GatewayContext>;
  perClient: RateLimiter;
  /** The bounded check of each subgraph (./health.ts), shared with /health and /health/ready. */
  subgraphChecks: Record<SubgraphName, HealthCheck>;
  /** /health/live and /health/ready of this process, which the REST ports serve too. */
  healthRoutes: Router;
  metrics: ServiceMetrics;
}

export function inProcessClient(gateway: InProcessGateway): GatewayClient {
  return {
    forRequest: (req) => ({
      request: (document, variables) => execute(gateway, req, document, variables),
    }),
    health: async () => ({ gateway: true, subgraphs: isOk(await checkSubgraphs(gateway.subgraphChecks)) }),
    healthRoutes: gateway.healthRoutes,
    metrics: gateway.metrics,
  };
}

async function execute<Result, Variables>(
  { apollo, buildContext, perClient }: InProcessGateway,
  req: Request,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const verdict = await tryConsume(perClient, clientKey(req));
  if (!verdict.allowed) throw new GatewayError(ErrorCode.TOO_MANY_REQUESTS, tooManyMessage, verdict.retryAfterSeconds);
  let contextValue: GatewayContext;
  try {
    contextValue = await buildContext(req);
  } catch (error) {
    // A refused token (UNAUTHENTICATED) or accounts that cannot be checked (SERVICE_UNAVAILABLE).
    if (error instanceof GraphQLError) throw new GatewayError(error.extensions.code, error.message);
    throw error;
  }
  const response = await apollo.executeOperation(
    { query: printed(document), variables: variables as Record<string, unknown> },
    { contextValue },
  );
  // Incremental delivery (@defer) is never asked for by the shim's documents.
  if (response.body.kind !== "single") throw new Error("The gateway answered an operation of the REST shim incrementally");
  const first = firstGraphQLError(response.body.singleResult);
  if (first) {
    // A subgraph's throttle says when in the error (the login throttle); the gateway's per-user limit in a header.
    const retryAfter = first.extensions.retryAfterSeconds ?? response.http.headers.get("retry-after");
    throw new GatewayError(first.code, first.message, retryAfter == null ? undefined : Number(retryAfter));
  }
  return response.body.singleResult.data as Result;
}

/**
 * Apollo takes an operation as text (it would print a document on every
 * call) and caches its parsing by that text: each of the shim's fixed
 * documents is printed once.
 */
const printedDocuments = new WeakMap<DocumentNode, string>();
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) {
    text = print(document);
    printedDocuments.set(document, text);
  }
  return text;
}

const isOk = (health: Record<SubgraphName, "ok" | "unhealthy">): Record<SubgraphName, boolean> => ({
  users: health.users === "ok",
  products: health.products === "ok",
  orders: health.orders === "ok",
});
