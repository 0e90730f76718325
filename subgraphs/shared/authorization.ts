import type { Role } from "../../lib/auth";
import { forbidden, unauthenticated } from "../../lib/errors";
import type { RequestIdentity } from "../../lib/request-identity";

/**
 * The building blocks of each subgraph's policy module (user.policy.ts,
 * product.policy.ts, order.policy.ts). In open mode (AUTH_MODE=open) the
 * legacy anonymous API applies and anyone may do anything; a token, when sent,
 * still says who the user is. Calls from a sibling service act for the
 * platform itself and pass every rule.
 */
export type AuthorizationContext = Pick<RequestIdentity, "principal" | "authMode">;

export interface SignedInUser {
  userId: number;
  role: Role;
}

const rulesApply = (context: AuthorizationContext) => context.authMode === "enforced";

/** The signed-in user, in either mode; UNAUTHENTICATED without one. */
export function requireUser(context: AuthorizationContext): SignedInUser {
  const { principal } = context;
  if (principal.kind !== "user") throw unauthenticated();
  return { userId: principal.userId, role: principal.role };
}

/** Enforced mode: someone must be signed in (or a service asks). */
export function requireSignedIn(context: AuthorizationContext): void {
  if (rulesApply(context) && context.principal.kind === "anonymous") throw unauthenticated();
}

/** Enforced mode: only an admin (or a service); anonymous → UNAUTHENTICATED, customer → FORBIDDEN. */
export function requireAdmin(context: AuthorizationContext): void {
  requireSignedIn(context);
  if (rulesApply(context) && context.principal.kind === "user" && context.principal.role !== "admin") {
    throw forbidden("Only an admin may do this");
  }
}

/** Operations only the platform's services call (stock reservations), in either mode. */
export function requireService(context: AuthorizationContext): void {
  if (context.principal.kind !== "service") throw forbidden("This operation is only for the platform's services");
}

/** Whether the caller may see or act on this user's data: the user themself, an admin, a service, or anyone in open mode. */
export function mayActFor(context: AuthorizationContext, userId: number): boolean {
  const { principal } = context;
  if (!rulesApply(context) || principal.kind === "service") return true;
  return principal.kind === "user" && (principal.role === "admin" || principal.userId === userId);
}

export function isAdmin(context: AuthorizationContext): boolean {
  const { principal } = context;
  return principal.kind === "service" || (principal.kind === "user" && principal.role === "admin");
}
