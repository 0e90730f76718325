import type { Request } from "express";
import { ClientError, GraphQLClient } from "graphql-request";
import type { SubgraphName } from "../../lib/config";
import { requestIdHeaders } from "../../lib/observability/request-context";
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

export interface GatewayCaller {
  request<Result>(document: string, variables?: Record<string, unknown>): Promise<Result>;
}

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
  const timedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return {
    forRequest(req) {
      const client = new GraphQLClient(gatewayUrl, { headers: forwardedHeaders(req), fetch: timedFetch });
      return {
        async request<Result>(document: string, variables?: Record<string, unknown>) {
          try {
            return await client.request<Result>(document, variables);
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
  const headers: Record<string, string> = { ...requestIdHeaders() };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  // The client's address as the shim believes it (req.ip honours TRUST_PROXY), never what the client claims;
  // the gateway believes it when the shim is among its trusted proxies.
  const client = req.ip ?? req.socket.remoteAddress;
  if (client) headers["x-forwarded-for"] = client;
  return headers;
}

function asGatewayFailure(error: unknown): unknown {
  if (error instanceof ClientError) {
    const first = error.response.errors?.[0];
    if (first) {
      const retryAfter = first.extensions?.retryAfterSeconds;
      return new GatewayError(first.extensions?.code, first.message, typeof retryAfter === "number" ? retryAfter : undefined);
    }
    return new GatewayUnreachable(502, "The GraphQL gateway gave an invalid answer");
  }
  // By name, not instanceof: fetch's errors may come from another realm (a test sandbox, say).
  const name = typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
  if (name === "TimeoutError") return new GatewayUnreachable(504, "The GraphQL gateway did not answer in time");
  // fetch fails with a TypeError ("fetch failed") when the connection cannot be made or breaks.
  if (name === "TypeError") return new GatewayUnreachable(502, "The GraphQL gateway is unreachable");
  return error;
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
