import type { Order, StockState } from "../../../prisma/orders/generated/client/client";
import type { OrdersPrisma } from "./database";
import { STOCK_MOVES } from "./order-lifecycle";
import type { ProductsClient } from "./products.client";

/**
 * An order's stock steps on the products service, each made there first and
 * then recorded here by a compare-and-set on the state it leaves. Products
 * makes each step idempotent by reservation id, so whoever repeats one (a
 * client's retry, the recovery worker, a second replica) does no harm.
 */
export interface OrderStockDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
}

type OrderStock = Pick<Order, "id" | "stockReservationId" | "stockState">;

/** reserved → confirmed. Returns the order's stock state afterwards. */
export async function confirmOrderStock(deps: OrderStockDeps, order: OrderStock): Promise<StockState> {
  if (order.stockState !== "reserved") return order.stockState;
  const confirmed = await deps.products.confirmStockReservation(order.stockReservationId);
  if (!confirmed) {
    // Released: by a cancel that overtook this confirm (then the order has moved on, read after products'
    // answer so that a cancel committed before it is seen), or by nothing this code does for a reserved order;
    // leave that for a person to see.
    const now = await deps.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { stockState: true } });
    if (now.stockState !== "reserved") return now.stockState;
    throw new ReservationLostError(order);
  }
  return moveStock(deps.prisma, order.id, "reserved", "confirmed");
}

/** A standing order whose reservation products has released: its units are on sale again (docs/orders.md). */
export class ReservationLostError extends Error {
  constructor(order: OrderStock) {
    super(`stock reservation ${order.stockReservationId} of order ${order.id} is released at products`);
    this.name = "ReservationLostError";
  }
}

/** release_pending → released. Returns the order's stock state afterwards. */
export async function releaseOrderStock(deps: OrderStockDeps, order: OrderStock): Promise<StockState> {
  return (await releaseOrderStockCounted(deps, order)).state;
}

/**
 * The same, also saying whether this call is the one that settled the order:
 * the order's move from release_pending to released is a compare-and-set, so
 * of any number of callers (replicas, overlapping runs) exactly one settles
 * it, and what is counted is counted once. Products' answer is not the
 * measure: a release whose answer was lost has already given the stock back,
 * and it is still this call that finishes the order's step.
 */
export async function releaseOrderStockCounted(
  deps: OrderStockDeps,
  order: OrderStock,
): Promise<{ state: StockState; settledHere: boolean }> {
  if (order.stockState !== "release_pending") return { state: order.stockState, settledHere: false };
  await deps.products.releaseStock(order.stockReservationId);
  const { state, movedHere } = await tryMoveStock(deps.prisma, order.id, "release_pending", "released");
  return { state, settledHere: movedHere };
}

/** Compare-and-set; when another caller moved the order first, its state now. */
export async function moveStock(prisma: OrdersPrisma, orderId: number, from: StockState, to: StockState): Promise<StockState> {
  return (await tryMoveStock(prisma, orderId, from, to)).state;
}

/** The same, also saying whether this caller made the move. */
async function tryMoveStock(
  prisma: OrdersPrisma,
  orderId: number,
  from: StockState,
  to: StockState,
): Promise<{ state: StockState; movedHere: boolean }> {
  if (!STOCK_MOVES[from].includes(to)) throw new Error(`illegal stock move ${from} → ${to}`);
  const { count } = await prisma.order.updateMany({ where: { id: orderId, stockState: from }, data: { stockState: to } });
  if (count === 1) return { state: to, movedHere: true };
  const now = await prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { stockState: true } });
  return { state: now.stockState, movedHere: false };
}
