import type { OrderStatus } from "../../../prisma/orders/generated/client/client";
import { forbidden, notFound } from "../../../lib/errors";
import type { Buyer } from "./users.client";
import { mayActFor, requireAdmin, requireSignedIn, type AuthorizationContext } from "../../shared/authorization";

/**
 * Who may do what with orders (AUTH_MODE=enforced; open mode lets anyone, see
 * subgraphs/shared/authorization.ts). Orders need someone signed in. A
 * customer sees and places their own orders only, and may cancel their own;
 * someone else's order answers as if it did not exist. Admins see all orders
 * and make every other status move.
 */
export const orderPolicy = {
  assertMayReadOrders: (context: AuthorizationContext): void => requireSignedIn(context),

  /** `order(id)`, Order entity references: null unless this is true. */
  mayRead: (context: AuthorizationContext, order: { userId: number }): boolean => mayActFor(context, order.userId),

  /** `ordersByUser`, `User.orders`: empty unless this is true. */
  mayReadOrdersOf: (context: AuthorizationContext, userId: number): boolean => mayActFor(context, userId),

  assertMayOrderFor(context: AuthorizationContext, userId: number): void {
    requireSignedIn(context);
    if (!mayActFor(context, userId)) throw forbidden("A customer places orders only for themself");
  },

  /**
   * In every auth mode, only an ACTIVE account is ordered for: a disabled or
   * closed one is refused even when an admin, or anyone in open mode, names it.
   * With ORDERS_REQUIRE_VERIFIED_EMAIL, its email must be verified too
   * (docs/security.md, "Account emails").
   */
  assertBuyerMayOrder(buyer: Buyer, requireVerifiedEmail: boolean): void {
    if (buyer.status !== "ACTIVE") throw forbidden(`This account is ${buyer.status.toLowerCase()}: it cannot order`);
    if (requireVerifiedEmail && !buyer.emailVerified) throw forbidden("Verify your email address before ordering");
  },

  /**
   * Enforced mode, someone other than the buyer (an admin, a service) orders:
   * the account's status is asked now rather than remembered, so that an admin
   * acting on an account sees what was just done to it. A buyer's own order
   * came through the gateway, which has just checked their account is active.
   */
  asksBuyerAfresh(context: AuthorizationContext, userId: number): boolean {
    const { principal } = context;
    return context.authMode === "enforced" && !(principal.kind === "user" && principal.userId === userId);
  },

  /** Checked before the lifecycle, so that someone else's order is "not found" whatever the move. */
  assertMayMove(context: AuthorizationContext, order: { userId: number } | null, to: OrderStatus): void {
    requireSignedIn(context);
    if (order && !mayActFor(context, order.userId)) throw notFound("Order not found");
    // The owner may cancel (the lifecycle then says whether it still can be); the rest is the shop's to do.
    if (to !== "cancelled") requireAdmin(context);
  },
};
