import { graphql } from "../../lib/__generated__/users-subgraph";
import type { Request } from "express";
import { GraphQLError } from "graphql";
import { bearerToken, ROLES, verifyAccessToken, type Role } from "../../lib/auth";
import { DomainError, ErrorCode } from "../../lib/errors";
import { ANONYMOUS, type Principal } from "../../lib/request-identity";
import type { ServiceClient } from "../../lib/service-client";

/** Per-request state of the gateway, built once from the incoming HTTP request. */
export interface GatewayContext {
  /** Who the subgraphs act for (subgraph-requests.ts sends it with the service credential). */
  principal: Principal;
  /** The client's address (`req.ip`, which honours TRUST_PROXY), for login throttling. */
  clientAddress?: string;
}

export interface Account {
  role: Role;
}

/** The account behind a verified token: its current role, or null when it no longer exists. */
export type AccountLookup = (userId: string) => Promise<Account | null>;

const ACCOUNT = graphql(`
  query GatewayAccount($id: ID!) {
    user(id: $id) {
      role
    }
  }
`);

/** Asks the users subgraph, as a service, for an account's role. */
export function accountLookupVia(users: ServiceClient): AccountLookup {
  return async (userId) => {
    const { user } = await users.request(ACCOUNT, { id: userId });
    const role = user?.role.toLowerCase();
    return role && (ROLES as readonly string[]).includes(role) ? { role: role as Role } : null;
  };
}

/**
 * A request without a token is anonymous. A token must be a valid access token
 * (lib/auth.ts) of an account that still exists; otherwise the request is
 * refused here with 401, before any subgraph is asked. The account is looked up
 * here rather than in each subgraph: the gateway is the one door every client
 * request passes, the subgraphs then trust the principal it names, and the role
 * they act on is the account's current one (as of ACCOUNT_CACHE_TTL_SECONDS ago
 * at most, account-cache.ts), so deleting an account or demoting an admin takes
 * effect within seconds, not when a token expires.
 */
export async function buildGatewayContext(
  req: Request,
  { jwtSecret, findAccount }: { jwtSecret: string; findAccount: AccountLookup },
): Promise<GatewayContext> {
  const clientAddress = req.ip;
  const authorization = req.headers.authorization;
  if (!authorization) return { principal: ANONYMOUS, clientAddress };
  const token = bearerToken(authorization);
  const claims = token ? verifyAccessToken(token, jwtSecret) : null;
  if (!claims || !/^[1-9]\d{0,9}$/.test(claims.userId)) throw invalidToken();
  let account: Account | null;
  try {
    account = await findAccount(claims.userId);
  } catch (error) {
    const code = error instanceof DomainError ? error.code : ErrorCode.SERVICE_UNAVAILABLE;
    if (code === ErrorCode.BAD_USER_INPUT) throw invalidToken();
    throw new GraphQLError("The platform cannot check your token right now", {
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503 } },
    });
  }
  if (!account) throw invalidToken();
  return { principal: { kind: "user", userId: Number(claims.userId), role: account.role }, clientAddress };
}

const invalidToken = () =>
  new GraphQLError("Invalid or expired token", { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
