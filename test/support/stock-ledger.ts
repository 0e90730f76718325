import type { TestPlatform } from "./platform";

/**
 * What must hold after any fault once recovery has run: for every product,
 * the stock it started with = its stock now + the units in live (not
 * cancelled) orders; and no placement, order or reservation is left between
 * two steps. Read straight from the two databases, so it checks the records
 * themselves rather than what the API chooses to show.
 */
export interface LedgerReport {
  /** Products whose stock does not add up: started, now, in live orders. */
  mismatches: { productId: number; started: number; now: number; inLiveOrders: number }[];
  unsettled: { placements: number; orders: number; reservations: number };
}

export async function readLedger(platform: TestPlatform, startingStock: Map<number, number>): Promise<LedgerReport> {
  const orders = platform.subgraphs.orders.database.prisma;
  const products = platform.subgraphs.products.database.prisma;
  const ids = [...startingStock.keys()];
  const [current, live, placements, unsettledOrders, reservations] = await Promise.all([
    products.product.findMany({ where: { id: { in: ids } }, select: { id: true, stockQuantity: true } }),
    orders.orderItem.groupBy({
      by: ["productId"],
      where: { productId: { in: ids }, order: { status: { not: "cancelled" } } },
      _sum: { quantity: true },
    }),
    orders.orderPlacement.count({ where: { state: { in: ["awaiting_stock", "rejecting"] } } }),
    orders.order.count({ where: { stockState: { in: ["reserved", "release_pending"] } } }),
    products.stockReservation.count({ where: { state: "held" } }),
  ]);
  const liveOf = new Map(live.map((row) => [row.productId, row._sum.quantity ?? 0]));
  const mismatches = current
    .map((row) => ({
      productId: row.id,
      started: startingStock.get(row.id)!,
      now: row.stockQuantity,
      inLiveOrders: liveOf.get(row.id) ?? 0,
    }))
    .filter((row) => row.started !== row.now + row.inLiveOrders);
  return { mismatches, unsettled: { placements, orders: unsettledOrders, reservations } };
}

export const BALANCED: LedgerReport = { mismatches: [], unsettled: { placements: 0, orders: 0, reservations: 0 } };
