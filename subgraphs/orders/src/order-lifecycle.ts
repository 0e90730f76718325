import type { OrderStatus } from "../../../prisma/orders/generated/client/client";
import { DomainError, ErrorCode } from "../../../lib/errors";

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

export function assertStatusMove(from: OrderStatus, to: OrderStatus): void {
  if (from === to || NEXT_STATUSES[from].includes(to)) return;
  throw new DomainError(ErrorCode.ILLEGAL_STATUS_MOVE, `Cannot change order status from ${from} to ${to}`, { from, to });
}
