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
  /** The query behind one event of a subscription (./subscriptions/): pushed, not asked for, so no request to rate-limit. */
  subscriptionEvent?: boolean;
  /** Drops what this gateway remembers of these accounts: users said their sessions ended (subgraph-requests.ts). */
  forgetAccounts?(userIds: string[]): void;
}

export interface Account {
  role: Role;
  /** Access tokens of any other version are refused (lib/auth.ts). */
  tokenVersion: number;
}

/**
 * The account behind a verified token: its current role and token version, or
 * null when it no longer exists or is not active (disabled, closed).
 */
export type AccountLookup = ((userId: string) => Promise<Account | null>) & {
  /** Cached look-ups (account-cache.ts): the next look-up of this account asks the users subgraph. */
  forget?(userId: string): void;
};

const ACCOUNT = graphql(`
  query GatewayAccount($id: ID!) {
    user(id: $id) {
      role
      status
      tokenVersion
    }
  }
`);

/** Asks the users subgraph, as a service, for an account's role; a disabled or closed account counts as none. */
export function accountLookupVia(users: ServiceClient): AccountLookup {
  return async (userId) => {
    const { user } = await users.request(ACCOUNT, { id: userId });
    if (user?.status !== "ACTIVE") return null;
    const role = user?.role.toLowerCase();
    return user && role && (ROLES as readonly string[]).includes(role)
      ? { role: role as Role, tokenVersion: user.tokenVersion }
      : null;
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
export function buildGatewayContext(
  req: Request,
  deps: { jwtSecret: string; findAccount: AccountLookup },
): Promise<GatewayContext> {
  return contextOfCaller({ authorization: req.headers.authorization, clientAddress: req.ip }, deps);
}

/** The same from the caller's Authorization header and address: what a subscription transport has (./subscriptions/). */
export async function contextOfCaller(
  { authorization, clientAddress }: { authorization?: string; clientAddress?: string },
  { jwtSecret, findAccount }: { jwtSecret: string; findAccount: AccountLookup },
): Promise<GatewayContext> {
  const forgetAccounts = (userIds: string[]) => userIds.forEach((userId) => findAccount.forget?.(userId));
  if (!authorization) return { principal: ANONYMOUS, clientAddress, forgetAccounts };
  const token = bearerToken(authorization);
  const claims = token ? verifyAccessToken(token, jwtSecret) : null;
  if (!claims || !/^[1-9]\d{0,9}$/.test(claims.userId)) throw invalidToken();
  let account: Account | null;
  try {
    account = await findAccount(claims.userId);
    // A token newer than what this gateway remembers (signed after a password change another replica handled): ask again.
    if (account && claims.tokenVersion > account.tokenVersion && findAccount.forget) {
      findAccount.forget(claims.userId);
      account = await findAccount(claims.userId);
    }
  } catch (error) {
    const code = error instanceof DomainError ? error.code : ErrorCode.SERVICE_UNAVAILABLE;
    if (code === ErrorCode.BAD_USER_INPUT) throw invalidToken();
    throw new GraphQLError("The platform cannot check your token right now", {
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503 } },
    });
  }
  // A token signed before the account's sessions were ended (password change or reset) is refused.
  if (!account || account.tokenVersion !== claims.tokenVersion) throw invalidToken();
  return { principal: { kind: "user", userId: Number(claims.userId), role: account.role }, clientAddress, forgetAccounts };
}

const invalidToken = () =>
  new GraphQLError("Invalid or expired token", { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
