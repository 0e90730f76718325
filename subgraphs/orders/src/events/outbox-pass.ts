import type { JetStreamClient } from "@nats-io/jetstream";
import type { Counter } from "prom-client";
import type { OrderEventsSettings } from "../../../../lib/config";
import type { Logger } from "../../../../lib/logger";
import { Prisma } from "../../../../prisma/orders/generated/client/client";
import type { OrdersPrisma } from "../database";
import { publishOrderEvent, refusalOf } from "./order-stream";

/** Orders claimed by one pass, events published by one pass, and how long a pass keeps publishing, at most. */
const ORDERS_PER_PASS = 50;
const EVENTS_PER_PASS = 500;
const PASS_BUDGET_MS = 20_000;
/** How long an order whose event JetStream refused is held back from passes, at most (doubling from one poll). */
export const MAX_HOLD_BACK_MS = 60_000;

/**
 * How a pass claims orders: `run` runs the claiming query, in which `onlyUnlocked` keeps the orders the claim may
 * take (on PostgreSQL, those whose advisory lock the session running it takes: order-locks.ts; on PGlite, all);
 * `stillHeld` answers false once the claim is lost, which stops the publishing.
 */
export interface OrderClaim {
  run(query: Prisma.Sql): Promise<{ order_id: number }[]>;
  onlyUnlocked: Prisma.Sql;
  stillHeld(): boolean;
}

/** One pass over the outbox, and the orders held back from passes after JetStream refused one of their events. */
export class OutboxPass {
  /** Orders whose event JetStream refused: not claimed again before `until`; forgotten once one of theirs is acked. */
  private readonly heldBack = new Map<number, { refusals: number; until: number }>();

  constructor(
    private readonly deps: {
      prisma: OrdersPrisma;
      settings: OrderEventsSettings;
      published: Counter<"result">;
      refused: Counter<"code">;
      logger: Logger;
    },
  ) {}

  /**
   * Claims whole orders' unpublished events (docs/events.md, "Guarantees"), publishes them in order and deletes
   * what was acked. A refused event holds back the rest of its order and the pass goes on; any other failed
   * publish ends the pass and is returned, not thrown, so that the deletes before it still happen.
   */
  async publishClaimed(claim: OrderClaim, js: JetStreamClient): Promise<{ count: number; failure?: unknown }> {
    const { prisma, settings, logger } = this.deps;
    // Orders held back after a refusal are left out, so that they never take the places of orders that can go.
    const held = this.heldBackNow();
    const notHeldBack = held.length ? Prisma.sql`WHERE "order_id" NOT IN (${Prisma.join(held)})` : Prisma.empty;
    // The limit counts claimed orders, not candidates: the lock is tried on the oldest first, one by one (a
    // volatile function is not pushed below the sort), until enough are held, so that while another relay holds the
    // oldest orders this one moves on to the next ones rather than finding nothing. Any lock taken here is released
    // at the end of the pass (pg_advisory_unlock_all), whether or not its order turns out to have rows left.
    const claimed = await claim.run(Prisma.sql`
      SELECT "order_id" FROM (
        SELECT "order_id", min("position") AS "oldest" FROM "order_event_outbox"
        ${notHeldBack}
        GROUP BY "order_id" ORDER BY "oldest"
      ) AS "waiting"
      ${claim.onlyUnlocked}
      LIMIT ${ORDERS_PER_PASS}`);
    if (claimed.length === 0) return { count: 0 };
    // Read after the locks are held: what another relay published and deleted before it released them is gone.
    const rows = await prisma.orderEventOutbox.findMany({
      where: { orderId: { in: claimed.map((row) => Number(row.order_id)) } },
      orderBy: { position: "asc" },
      take: EVENTS_PER_PASS,
    });
    const acked: bigint[] = [];
    /** Orders with an event JetStream refused in this pass: none of their later events may go before it. */
    const refusedOrders = new Set<number>();
    let failure: unknown;
    const deadline = Date.now() + PASS_BUDGET_MS;
    for (const row of rows) {
      // A slow NATS must not keep the claim for long: the next pass carries on.
      if (Date.now() > deadline) break;
      if (!claim.stillHeld()) {
        // The locks went with their connection: another relay may be publishing these orders now (harmless, see
        // docs/events.md, "Guarantees"), so this pass stops rather than send it duplicates.
        failure = new Error("the order events relay lost the database connection holding its order locks");
        break;
      }
      if (refusedOrders.has(row.orderId)) continue;
      try {
        const { duplicate } = await publishOrderEvent(js, settings, row);
        this.deps.published.inc({ result: duplicate ? "duplicate" : "stored" });
        acked.push(row.position);
        this.heldBack.delete(row.orderId);
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) {
          failure = error;
          break;
        }
        // This message, not NATS: its order waits (in the outbox, in order); the other orders go on.
        refusedOrders.add(row.orderId);
        this.holdBack(row.orderId);
        this.deps.refused.inc({ code: String(refusal.code) });
        logger.error(
          { orderId: row.orderId, eventId: row.eventId, type: row.type, code: refusal.code, reason: refusal.message },
          "JetStream refused an order event; the order's events wait in the outbox until it accepts it",
        );
      }
    }
    // What JetStream acked is done even when a later publish failed; the rest waits for the next pass.
    if (acked.length) await prisma.orderEventOutbox.deleteMany({ where: { position: { in: acked } } });
    return { count: acked.length, failure };
  }

  private holdBack(orderId: number): void {
    const refusals = (this.heldBack.get(orderId)?.refusals ?? 0) + 1;
    const ms = Math.min(this.deps.settings.pollSeconds * 1000 * 2 ** Math.min(refusals - 1, 16), MAX_HOLD_BACK_MS);
    this.heldBack.set(orderId, { refusals, until: Date.now() + ms });
  }

  /** The orders to leave out of this pass; forgets those due for longer than the longest hold (not seen since). */
  private heldBackNow(): number[] {
    const now = Date.now();
    const held: number[] = [];
    for (const [orderId, { until }] of this.heldBack) {
      if (until > now) held.push(orderId);
      else if (until + MAX_HOLD_BACK_MS < now) this.heldBack.delete(orderId);
    }
    return held;
  }
}
