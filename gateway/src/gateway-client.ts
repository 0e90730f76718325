import type { Request, Router } from "express";
import type { SubgraphName } from "../../lib/config";
import type { GraphQLCaller } from "../../lib/graphql-client";
import type { ServiceMetrics } from "../../lib/observability/metrics";

/**
 * The REST shim's one way to the GraphQL gateway (eslint.config.mjs keeps it the only one). The gateway serves it in its own
 * process (gateway/src/in-process-client.ts): each call runs as if the REST
 * request's client had sent the operation to /graphql itself, with its
 * Authorization header and address, so the gateway and the subgraphs see who
 * is asking.
 */

/** The gateway answered with a GraphQL error: its code and message, for the status table. */
export class GatewayError extends Error {
  constructor(
    readonly code: unknown,
    message: string,
    /** From TOO_MANY_REQUESTS: when the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

/** Typed documents (rest-shim/src/documents.ts) to the gateway; a GraphQL error in the answer is thrown as a GatewayError. */
export type GatewayCaller = GraphQLCaller;

/** What the gateway says of itself and of each subgraph. */
export interface GatewayHealth {
  gateway: boolean;
  subgraphs: Record<SubgraphName, boolean>;
}

export interface GatewayClient {
  /** Calls on behalf of the client of this REST request. */
  forRequest(req: Request): GatewayCaller;
  health(): Promise<GatewayHealth>;
  /** The gateway process's /health/live and /health/ready (lib/health.ts): each REST port serves them as they are. */
  healthRoutes: Router;
  /** The gateway process's one metrics registry: the REST ports count their requests in it and serve it too. */
  metrics: ServiceMetrics;
}
