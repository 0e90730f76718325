import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import type { Request, RequestHandler } from "express";
import { GraphQLError } from "graphql";
import { ErrorCode } from "../../lib/errors";
import { errorBody } from "../../lib/http-app";
import { tryConsume, type RateLimiter } from "../../lib/rate-limit";
import type { GatewayContext } from "./context";

/**
 * Requests a minute on /graphql, and REST calls run through the gateway
 * (in-process-client.ts), per client address and per signed-in user: one
 * client cannot crowd out the others, and one account cannot do so from many
 * addresses. Beyond a limit: HTTP 429 with Retry-After and a GraphQL error
 * coded TOO_MANY_REQUESTS.
 */

export const tooManyMessage = "Too many requests; retry later";

/** A client's counter: its address as req.ip says (X-Forwarded-For counts only from a proxy named in TRUST_PROXY). */
export const clientKey = (req: Request) => `ip:${req.ip ?? req.socket.remoteAddress ?? "unknown"}`;

/** Who a request counts against once the gateway knows its principal: the signed-in user, else its address (as clientKey). */
export const principalKey = ({ principal, clientAddress }: GatewayContext): string =>
  principal.kind === "user" ? `user:${principal.userId}` : `ip:${clientAddress ?? "unknown"}`;

/**
 * Per client address, before the body is even read. The address is req.ip:
 * X-Forwarded-For counts only when it comes from a proxy named in TRUST_PROXY.
 */
export function perClientRateLimit(limiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    const verdict = await tryConsume(limiter, clientKey(req));
    if (verdict.allowed) return next();
    res.set("Retry-After", String(verdict.retryAfterSeconds));
    res.status(429).json(errorBody("graphql", tooManyMessage, ErrorCode.TOO_MANY_REQUESTS));
  };
}

/**
 * Per user, once the gateway knows who the token belongs to (anonymous
 * requests count per address only). Checked when the operation is known, the
 * first hook where Apollo answers a thrown error with its own HTTP status.
 */
export function perUserRateLimit(limiter: RateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (contextValue.principal.kind !== "user" || contextValue.subscriptionEvent) return;
      const user = principalKey(contextValue);
      return {
        async didResolveOperation() {
          const verdict = await tryConsume(limiter, user);
          if (verdict.allowed) return;
          // Apollo reads `http` to set the answer's status and headers (typed loosely: graphql-yoga, a bench
          // dependency, narrows GraphQLErrorExtensions' `http` to its own shape).
          const extensions: Record<string, unknown> = {
            code: ErrorCode.TOO_MANY_REQUESTS,
            http: { status: 429, headers: new HeaderMap([["retry-after", String(verdict.retryAfterSeconds)]]) },
          };
          throw new GraphQLError(tooManyMessage, { extensions });
        },
      };
    },
  };
}
