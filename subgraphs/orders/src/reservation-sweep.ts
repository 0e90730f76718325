import type { Logger } from "../../../lib/logger";
import type { OrdersPrisma } from "./database";
import type { OrderCounters } from "./order-metrics";
import type { ProductsClient } from "./products.client";

/**
 * Settles stock reservations that placing an order left open: if the orders
 * process died (or the products service was unreachable) between taking the
 * stock and confirming it, the reservation is neither confirmed nor released.
 * Only this subgraph knows whether an order holds it: if one does, confirm it;
 * if none does, the order was never recorded, so give the stock back.
 */
export interface SweepResult {
  confirmed: string[];
  released: string[];
}

export interface SweepDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
  counters: OrderCounters;
}

export async function settleOpenReservations(deps: SweepDeps, olderThanSeconds: number): Promise<SweepResult> {
  const open = await deps.products.unsettledStockReservations(olderThanSeconds);
  if (open.length === 0) return { confirmed: [], released: [] };
  const withOrder = new Set(
    (await deps.prisma.order.findMany({ where: { stockReservationId: { in: open } }, select: { stockReservationId: true } })).map(
      (order) => order.stockReservationId,
    ),
  );
  const result: SweepResult = { confirmed: [], released: [] };
  for (const reservationId of open) {
    if (withOrder.has(reservationId)) {
      await deps.products.confirmStockReservation(reservationId);
      result.confirmed.push(reservationId);
    } else {
      await deps.products.releaseStock(reservationId);
      deps.counters.reservationsReleased.inc({ by: "sweep" });
      result.released.push(reservationId);
    }
  }
  return result;
}

export interface SweepSchedule {
  everySeconds: number;
  /** Leave younger reservations alone: their order may still be being recorded. */
  olderThanSeconds: number;
}

export const DEFAULT_SWEEP: SweepSchedule = { everySeconds: 60, olderThanSeconds: 120 };

/** Runs the sweep on a timer; returns a function that stops it. */
export function scheduleReservationSweep(deps: SweepDeps & { logger: Logger }, schedule: SweepSchedule): () => void {
  const timer = setInterval(() => {
    settleOpenReservations(deps, schedule.olderThanSeconds).then(
      (result) => {
        if (result.released.length || result.confirmed.length) deps.logger.info(result, "settled open stock reservations");
      },
      (error: unknown) => deps.logger.warn({ err: error }, "stock reservation sweep failed; will retry"),
    );
  }, schedule.everySeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
