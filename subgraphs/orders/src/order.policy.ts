import type { OrderStatus } from "../../../prisma/orders/generated/client/client";
import { forbidden, notFound } from "../../../lib/errors";
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

  /** ORDERS_REQUIRE_VERIFIED_EMAIL: only an account whose email is verified may order (docs/security.md, "Account emails"). */
  assertMayOrderWithEmail(emailVerified: boolean): void {
    if (!emailVerified) throw forbidden("Verify your email address before ordering");
  },

  /** Checked before the lifecycle, so that someone else's order is "not found" whatever the move. */
  assertMayMove(context: AuthorizationContext, order: { userId: number } | null, to: OrderStatus): void {
    requireSignedIn(context);
    if (order && !mayActFor(context, order.userId)) throw notFound("Order not found");
    // The owner may cancel (the lifecycle then says whether it still can be); the rest is the shop's to do.
    if (to !== "cancelled") requireAdmin(context);
  },
};
