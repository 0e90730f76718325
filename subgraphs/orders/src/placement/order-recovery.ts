import { DomainError, ErrorCode } from "../../../../lib/errors";
import type { Logger } from "../../../../lib/logger";
import type { PlacementState, StockState } from "../../../../prisma/orders/generated/client/client";
import type { OrdersPrisma } from "../database";
import { UNSETTLED_PLACEMENT_STATES, UNSETTLED_STOCK_STATES } from "../order-lifecycle";
import type { OrderPlacements } from "./order-placement";
import type { OrderCounters } from "../order-metrics";
import { confirmOrderStock, releaseOrderStockCounted, ReservationLostError } from "../order-stock";
import type { ProductsClient } from "../products.client";

/**
 * The recovery worker: drives every record left between two steps to its end,
 * reading only states, never ages (docs/orders.md has the whole picture).
 *
 * 1. placements awaiting stock are reserved again (same id, idempotent) and
 *    end placed or rejected; rejected ones get their reservation id closed;
 * 2. orders whose reservation is not yet confirmed are confirmed; cancelled
 *    orders whose stock is not yet given back are released;
 * 3. reservations the products service still holds are checked against this
 *    database: one an order holds is confirmed, one nothing here holds is
 *    released. Orders records a placement before it ever asks for stock, so a
 *    reservation without any record here was never an order's.
 *
 * Every move is a compare-and-set on the state it leaves and every call to
 * products is idempotent, so runs may overlap (two replicas, or a run beside
 * a client's retry) and a run may stop anywhere: the next one carries on. No
 * row lock is held across a call to another service.
 *
 * Any number of replicas may run this at once, and each record is still
 * settled once: a cancelled order's release is finished by the one run whose
 * compare-and-set moves the order to released, and an abandoned reservation
 * is swept by the one run to which products' conditional UPDATE
 * (`state IN (held, confirmed)` → released) answers true. The report's
 * `released` and `releasedOrphans`, and the
 * shop_stock_reservations_released_total{by="recovery"} counter, count only
 * those, so their sum over every replica is the number of records settled;
 * the other replicas' attempts show as `alreadySettled`.
 */

export interface RecoveryDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
  placements: OrderPlacements;
  logger: Logger;
  counters: OrderCounters;
  /** Settled placements (and so their idempotency keys) older than this are deleted: housekeeping only. */
  idempotencyRetentionHours: number;
}

export interface RecoveryReport {
  placed: number;
  rejected: number;
  confirmed: number;
  released: number;
  /** Reservations held at products with nothing here holding them, now released. */
  releasedOrphans: number;
  /** Releases this run asked for that another caller (a second replica, a client's retry) had already made. */
  alreadySettled: number;
  /** Records still unfinished because a service did not answer; the next run retries them. */
  unfinished: number;
}

const BATCH = 100;

/** A run that found nothing to do. */
export const emptyRecoveryReport = (): RecoveryReport => ({
  placed: 0,
  rejected: 0,
  confirmed: 0,
  released: 0,
  releasedOrphans: 0,
  alreadySettled: 0,
  unfinished: 0,
});

export async function recoverOnce(deps: RecoveryDeps): Promise<RecoveryReport> {
  const report = emptyRecoveryReport();
  for (const phase of [drivePlacements, settleOrderStock, settleHeldReservations]) {
    try {
      await phase(deps, report);
    } catch (error) {
      // A database or a service that does not answer: the next run carries on from the states.
      deps.logger.warn({ err: error, phase: phase.name }, "a recovery phase stopped early");
      report.unfinished += 1;
    }
  }
  const releasedByRecovery = report.released + report.releasedOrphans;
  if (releasedByRecovery) deps.counters.reservationsReleased.inc({ by: "recovery" }, releasedByRecovery);
  const cutoff = new Date(Date.now() - deps.idempotencyRetentionHours * 3600_000);
  await deps.prisma.orderPlacement
    .deleteMany({ where: { state: { in: ["placed", "rejected"] }, createdAt: { lt: cutoff } } })
    .catch((error: unknown) => deps.logger.warn({ err: error }, "could not delete old placements; the next run will"));
  return report;
}

async function drivePlacements(deps: RecoveryDeps, report: RecoveryReport): Promise<void> {
  let after = "";
  for (;;) {
    const batch = await deps.prisma.orderPlacement.findMany({
      where: { state: { in: [...UNSETTLED_PLACEMENT_STATES] }, reservationId: { gt: after || undefined } },
      orderBy: { reservationId: "asc" },
      take: BATCH,
    });
    for (const placement of batch) {
      try {
        const driven = await deps.placements.drive(placement);
        if (driven.state === "placed") report.placed += 1;
        else if (driven.state === "rejected") report.rejected += 1;
        else report.unfinished += 1;
      } catch (error) {
        giveUpIfUnavailable(error);
        deps.logger.warn({ err: error, reservationId: placement.reservationId }, "recovery could not finish a placement yet");
        report.unfinished += 1;
      }
    }
    if (batch.length < BATCH) return;
    after = batch[batch.length - 1].reservationId;
  }
}

async function settleOrderStock(deps: RecoveryDeps, report: RecoveryReport): Promise<void> {
  let after = 0;
  for (;;) {
    const batch = await deps.prisma.order.findMany({
      where: { stockState: { in: [...UNSETTLED_STOCK_STATES] }, id: { gt: after } },
      orderBy: { id: "asc" },
      select: { id: true, stockReservationId: true, stockState: true },
      take: BATCH,
    });
    for (const order of batch) {
      try {
        if (order.stockState === "reserved" && (await confirmOrderStock(deps, order)) === "confirmed") report.confirmed += 1;
        else if (order.stockState === "release_pending") countRelease(report, await releaseOrderStockCounted(deps, order));
        else report.unfinished += 1;
      } catch (error) {
        giveUpIfUnavailable(error);
        logUnsettled(deps, error, { orderId: order.id }, "recovery could not settle an order's stock yet");
        report.unfinished += 1;
      }
    }
    if (batch.length < BATCH) return;
    after = batch[batch.length - 1].id;
  }
}

/**
 * Products' held reservations, each decided from one view of this database: a
 * single statement (so one snapshot) joins each id to its order and its
 * placement. Two separate reads could straddle the commit that records an
 * order (placement placed and order inserted together): the first would see
 * no order, the second a placement already placed, and the reservation of a
 * standing order would look abandoned.
 */
async function settleHeldReservations(deps: RecoveryDeps, report: RecoveryReport): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const held = await deps.products.unsettledStockReservations(BATCH, after);
    if (held.length === 0) return;
    for (const view of await heldReservationsView(deps.prisma, held)) {
      const { reservationId } = view;
      try {
        await settleHeldReservation(deps, report, view);
      } catch (error) {
        giveUpIfUnavailable(error);
        logUnsettled(deps, error, { reservationId }, "recovery could not settle a held reservation yet");
        report.unfinished += 1;
      }
    }
    if (held.length < BATCH) return;
    after = held[held.length - 1];
  }
}

/** What this database holds for a reservation id, read in one statement. */
interface HeldReservationView {
  reservationId: string;
  orderId: number | null;
  stockState: StockState | null;
  placementState: PlacementState | null;
}

function heldReservationsView(prisma: OrdersPrisma, held: string[]): Promise<HeldReservationView[]> {
  return prisma.$queryRaw<HeldReservationView[]>`
    SELECT "h"."id"::text AS "reservationId", "o"."id" AS "orderId", "o"."stock_state"::text AS "stockState",
      "p"."state"::text AS "placementState"
    FROM unnest(${held}::uuid[]) WITH ORDINALITY AS "h"("id", "position")
    LEFT JOIN "orders" "o" ON "o"."stock_reservation_id" = "h"."id"
    LEFT JOIN "order_placements" "p" ON "p"."reservation_id" = "h"."id"
    ORDER BY "h"."position"`;
}

async function settleHeldReservation(deps: RecoveryDeps, report: RecoveryReport, view: HeldReservationView): Promise<void> {
  const { reservationId, orderId, stockState, placementState } = view;
  if (orderId !== null && stockState !== null) {
    const order = { id: orderId, stockReservationId: reservationId, stockState };
    if (stockState === "reserved") {
      if ((await confirmOrderStock(deps, order)) === "confirmed") report.confirmed += 1;
    } else if (stockState === "confirmed") {
      // Recorded as confirmed here, so products confirmed it once: repeating is harmless.
      await deps.products.confirmStockReservation(reservationId);
      report.confirmed += 1;
    } else if (stockState === "release_pending") {
      countRelease(report, await releaseOrderStockCounted(deps, order));
    } else {
      // The order's stock is released here (final): the order no longer stands on it.
      await releaseOrphan(deps, report, reservationId);
    }
  } else if (placementState === "awaiting_stock" || placementState === "rejecting") {
    // Taken while step 1 ran: drive it like step 1 does (reserving again is idempotent, recording the order a compare-and-set).
    const placement = await deps.prisma.orderPlacement.findUniqueOrThrow({ where: { reservationId } });
    const driven = await deps.placements.drive(placement);
    if (driven.state === "placed") report.placed += 1;
    else if (driven.state === "rejected") report.rejected += 1;
    else report.unfinished += 1;
  } else if (placementState === "placed") {
    // Placed without its order cannot be seen in one snapshot (both are written by one statement). Never release it.
    throw new Error(`placement ${reservationId} is placed but its order was not seen; left for the next run`);
  } else {
    // Refused (rejected), or no record at all: orders records a placement before it asks for stock and deletes
    // one only once final, so no order stands on this reservation and no placement will place one.
    await releaseOrphan(deps, report, reservationId);
  }
}

async function releaseOrphan(deps: RecoveryDeps, report: RecoveryReport, reservationId: string): Promise<void> {
  if (await deps.products.releaseStock(reservationId)) report.releasedOrphans += 1;
  else report.alreadySettled += 1;
}

/**
 * A standing order whose reservation products has released is the one state
 * recovery cannot settle by itself: its units are on sale again. It is logged
 * as an error and counted every run that meets it, for a person to act on.
 */
function logUnsettled(deps: RecoveryDeps, error: unknown, record: Record<string, unknown>, message: string): void {
  if (error instanceof ReservationLostError) {
    deps.counters.reservationsLost.inc();
    deps.logger.error({ err: error, ...record }, "a standing order's stock reservation is released at products");
  } else {
    deps.logger.warn({ err: error, ...record }, message);
  }
}

function countRelease(report: RecoveryReport, outcome: { state: string; settledHere: boolean }): void {
  if (outcome.state !== "released") report.unfinished += 1;
  else if (outcome.settledHere) report.released += 1;
  else report.alreadySettled += 1;
}

/** A service that does not answer will not answer the next record either: end the phase, so a hung service costs one timeout per run. */
function giveUpIfUnavailable(error: unknown): void {
  if (error instanceof DomainError && error.code === ErrorCode.SERVICE_UNAVAILABLE) throw error;
}

/** Runs recovery now and then every `everySeconds`, one run at a time; returns a function that stops it (after a run under way). */
export function scheduleRecovery(deps: RecoveryDeps, everySeconds: number): () => Promise<void> {
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = recoverOnce(deps)
      .then(
        (report) => {
          const { unfinished, ...done } = report;
          if (Object.values(done).some((n) => n > 0)) deps.logger.info(report, "recovery settled unfinished orders");
          if (unfinished > 0) deps.logger.warn(report, "recovery left records unfinished; the next run retries them");
        },
        (error: unknown) => deps.logger.warn({ err: error }, "recovery failed; the next run retries"),
      )
      .finally(() => (running = null));
  };
  run();
  const timer = setInterval(run, everySeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
