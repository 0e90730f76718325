import type { OrderStatus, PlacementState, StockState } from "../../../prisma/orders/generated/client/client";
import { DomainError, ErrorCode } from "../../../lib/errors";

/**
 * The one state machine of the orders subgraph: every record's states and the
 * moves allowed between them. docs/orders.md explains each move and who makes
 * it; the service, the placement and the recovery worker all read from here.
 */

/**
 * Where an order may go from each status. The legacy examples move a new order
 * to processing, and straight to shipped; both are allowed. Delivered and
 * cancelled are final; an order that has shipped can no longer be cancelled.
 */
const NEXT_STATUSES: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["processing", "shipped", "cancelled"],
  processing: ["shipped", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  cancelled: [],
};

/** The moves `updateOrderStatus` accepts from this status now. */
export function nextStatuses(from: OrderStatus): readonly OrderStatus[] {
  return NEXT_STATUSES[from];
}

/** A move to the status the order already has is allowed and changes nothing (status moves are idempotent). */
export function assertStatusMove(from: OrderStatus, to: OrderStatus): void {
  if (from === to || NEXT_STATUSES[from].includes(to)) return;
  throw new DomainError(ErrorCode.ILLEGAL_STATUS_MOVE, `Cannot change order status from ${from} to ${to}`, { from, to });
}

/**
 * An order's stock reservation, as orders knows it. Each move is made by a
 * compare-and-set UPDATE on the state it leaves, after the products service
 * said the step is done, so a step repeated by a retry or by recovery is
 * harmless:
 *   reserved → confirmed          (products confirmed it)
 *   reserved | confirmed → release_pending   (the order was cancelled)
 *   release_pending → released    (products gave the stock back)
 */
export const STOCK_MOVES: Record<StockState, readonly StockState[]> = {
  reserved: ["confirmed", "release_pending"],
  confirmed: ["release_pending"],
  release_pending: ["released"],
  released: [],
};

/** States whose next step is on the products service: recovery drives them. */
export const UNSETTLED_STOCK_STATES: readonly StockState[] = ["reserved", "release_pending"];

/**
 * A request to place an order (order-placement.ts):
 *   awaiting_stock → placed       (products took the stock; the order is recorded in the same transaction)
 *   awaiting_stock → rejecting    (products refused: out of stock, unknown product, reservation closed)
 *   rejecting → rejected          (products closed the reservation id for good)
 */
export const PLACEMENT_MOVES: Record<PlacementState, readonly PlacementState[]> = {
  awaiting_stock: ["placed", "rejecting"],
  placed: [],
  rejecting: ["rejected"],
  rejected: [],
};

export const UNSETTLED_PLACEMENT_STATES: readonly PlacementState[] = ["awaiting_stock", "rejecting"];

/** What a client sees of a stock step still under way. */
export function pendingStepOf(stockState: StockState): "CONFIRM_STOCK" | "RELEASE_STOCK" | null {
  if (stockState === "reserved") return "CONFIRM_STOCK";
  if (stockState === "release_pending") return "RELEASE_STOCK";
  return null;
}
