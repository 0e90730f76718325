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
    // Released: by a cancel that overtook this confirm (then the order has moved on), or by nothing
    // this code does for a reserved order; leave that for a person to see.
    const now = await deps.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { stockState: true } });
    if (now.stockState !== "reserved") return now.stockState;
    throw new Error(`stock reservation ${order.stockReservationId} of order ${order.id} is released at products`);
  }
  return moveStock(deps.prisma, order.id, "reserved", "confirmed");
}

/** release_pending → released. Returns the order's stock state afterwards. */
export async function releaseOrderStock(deps: OrderStockDeps, order: OrderStock): Promise<StockState> {
  return (await releaseOrderStockCounted(deps, order)).state;
}

/**
 * The same, also saying whether this call is the one that gave the stock back
 * at products (products' release is a compare-and-set: of any number of
 * concurrent callers exactly one gets true), so that what is counted is
 * counted once however many replicas try.
 */
export async function releaseOrderStockCounted(
  deps: OrderStockDeps,
  order: OrderStock,
): Promise<{ state: StockState; gaveBack: boolean }> {
  if (order.stockState !== "release_pending") return { state: order.stockState, gaveBack: false };
  const gaveBack = await deps.products.releaseStock(order.stockReservationId);
  return { state: await moveStock(deps.prisma, order.id, "release_pending", "released"), gaveBack };
}

/** Compare-and-set; when another caller moved the order first, its state now. */
export async function moveStock(prisma: OrdersPrisma, orderId: number, from: StockState, to: StockState): Promise<StockState> {
  if (!STOCK_MOVES[from].includes(to)) throw new Error(`illegal stock move ${from} → ${to}`);
  const { count } = await prisma.order.updateMany({ where: { id: orderId, stockState: from }, data: { stockState: to } });
  if (count === 1) return to;
  const now = await prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { stockState: true } });
  return now.stockState;
}
