import type { Request } from "express";
import type { SubgraphName } from "../../lib/config";
import { callFailureOf, createGraphQLClient, type GraphQLCaller } from "../../lib/graphql-client";
import { healthUrlOf } from "../../lib/health-url";

/**
 * The shim's one way to the GraphQL gateway. Each call carries the caller's
 * Authorization header and client address, so the gateway and the subgraphs
 * see who is asking exactly as if the client had called GraphQL itself.
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

/** The gateway could not be reached, timed out, or answered with something that is not GraphQL. */
export class GatewayUnreachable extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
    this.name = "GatewayUnreachable";
  }
}

/** Typed documents (./documents.ts) to the gateway; failures as GatewayError or GatewayUnreachable. */
export type GatewayCaller = GraphQLCaller;

/** What the gateway's /health says; everything is false when the gateway does not answer. */
export interface GatewayHealth {
  gateway: boolean;
  subgraphs: Record<SubgraphName, boolean>;
}

export interface GatewayClient {
  forRequest(req: Request): GatewayCaller;
  health(): Promise<GatewayHealth>;
}

const HEALTH_TIMEOUT_MS = 3000;

export function createGatewayClient(gatewayUrl: string, timeoutMs: number): GatewayClient {
  return {
    forRequest(req) {
      const client = createGraphQLClient(gatewayUrl, { timeoutMs, headers: forwardedHeaders(req) });
      return {
        async request(document, variables) {
          try {
            return await client.request(document, variables);
          } catch (error) {
            throw asGatewayFailure(error);
          }
        },
      };
    },
    health: () => readGatewayHealth(healthUrlOf(gatewayUrl)),
  };
}

function forwardedHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  // The client's address as the shim believes it (req.ip honours TRUST_PROXY), never what the client claims;
  // the gateway believes it when the shim is among its trusted proxies.
  const client = req.ip ?? req.socket.remoteAddress;
  if (client) headers["x-forwarded-for"] = client;
  return headers;
}

function asGatewayFailure(error: unknown): unknown {
  const failure = callFailureOf(error);
  switch (failure?.kind) {
    case "answered": {
      const retryAfter = failure.error.extensions.retryAfterSeconds;
      return new GatewayError(failure.error.code, failure.error.message, typeof retryAfter === "number" ? retryAfter : undefined);
    }
    case "invalid":
      return new GatewayUnreachable(502, "The GraphQL gateway gave an invalid answer");
    case "timeout":
      return new GatewayUnreachable(504, "The GraphQL gateway did not answer in time");
    case "unreachable":
    case "circuit-open":
      return new GatewayUnreachable(502, "The GraphQL gateway is unreachable");
    default:
      return error;
  }
}

async function readGatewayHealth(url: string): Promise<GatewayHealth> {
  const down: GatewayHealth = { gateway: false, subgraphs: { users: false, products: false, orders: false } };
  let report: { gateway?: unknown; subgraphs?: Partial<Record<SubgraphName, unknown>> };
  try {
    // The gateway answers 503 with the same JSON when a subgraph is down.
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    report = (await response.json()) as typeof report;
  } catch {
    return down;
  }
  const ok = (value: unknown) => value === "ok";
  return {
    gateway: ok(report.gateway),
    subgraphs: {
      users: ok(report.subgraphs?.users),
      products: ok(report.subgraphs?.products),
      orders: ok(report.subgraphs?.orders),
    },
  };
}
