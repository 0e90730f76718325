import type { IncomingMessage } from "node:http";
import { GraphQLError } from "graphql";
import { bearerToken, verifyUserToken, type Viewer } from "../../lib/auth";
import { ErrorCode } from "../../lib/errors";

/** Per-request state of the gateway, built once from the incoming HTTP request. */
export interface GatewayContext {
  /** Passed on to the subgraphs unchanged; they verify it themselves too. */
  authorization?: string;
  viewer: Viewer | null;
  clientAddress?: string;
}

/**
 * A request without a token is anonymous; a request with a token that is
 * forged, malformed or expired is refused here with 401, before any subgraph
 * is asked.
 */
export function buildGatewayContext(req: IncomingMessage, jwtSecret: string): GatewayContext {
  const authorization = req.headers.authorization;
  // Express's req.ip: X-Forwarded-For only when it comes from a proxy named in TRUST_PROXY.
  const clientAddress = (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress;
  if (!authorization) return { viewer: null, clientAddress };
  const token = bearerToken(authorization);
  const viewer = token ? verifyUserToken(token, jwtSecret) : null;
  if (!viewer) {
    throw new GraphQLError("Invalid or expired token", {
      extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
    });
  }
  return { authorization, viewer, clientAddress };
}
