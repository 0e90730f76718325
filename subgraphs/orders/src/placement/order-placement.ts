import crypto from "node:crypto";
import { Prisma, type OrderPlacement } from "../../../../prisma/orders/generated/client/client";
import { DomainError, ErrorCode } from "../../../../lib/errors";
import type { Logger } from "../../../../lib/logger";
import { retryOnDatabaseFailure } from "../../../shared/database-errors";
import type { OrdersPrisma } from "../database";
import { outboxInsert, placedEventAwaitingOrderId, type OrderEvent } from "../events/order-events";
import { confirmOrderStock } from "../order-stock";
import type { OrderCounters } from "../order-metrics";
import type { ProductsClient, ReservedLine } from "../products.client";

/**
 * Placing an order so that no step can be lost. The request is recorded first
 * (a placement, awaiting_stock, with the reservation id it will use and the
 * caller's idempotency key); only then is stock reserved, under that id. The
 * order is recorded in the same transaction that moves the placement to
 * placed. Whoever finds a placement unfinished (a retry with the same key, the
 * recovery worker) drives it on with the same calls, all idempotent by the
 * reservation id, so the placement ends placed or rejected exactly once.
 */

export interface OrderLine {
  productId: number;
  quantity: number;
}

export interface PlacementRequest {
  userId: number;
  lines: OrderLine[];
  /** Whose key it is (idempotencyScopeOf in order.service.ts): the signed-in user, else the anonymous client's address. */
  idempotencyScope: string;
  idempotencyKey: string | null;
}

interface Rejection {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** The products service's answers that mean "no stock was taken, and none will be": the placement is refused. */
const REFUSALS = new Set<string>([
  ErrorCode.OUT_OF_STOCK,
  ErrorCode.NOT_FOUND,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.RESERVATION_RELEASED,
]);

export interface PlacementDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
  logger: Logger;
  counters: OrderCounters;
  /** Called once a transaction that wrote an order event has committed: wakes the relay. */
  eventsRecorded(): void;
}

export class OrderPlacements {
  constructor(private readonly deps: PlacementDeps) {}

  /**
   * Records the request (or finds the one recorded under this key) and drives
   * it. Answers with the order's id once placed; throws the refusal when
   * refused; throws ACCEPTED_PENDING when the outcome is not known yet.
   */
  async place(request: PlacementRequest): Promise<number> {
    const requestHash = hashOf(request);
    let placement = await this.record(request, requestHash);
    if (placement.requestHash !== requestHash) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, "This idempotency key was already used for a different order");
    }
    try {
      placement = await this.drive(placement);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, reservationId: placement.reservationId },
        "placing an order stopped half way; recovery finishes it",
      );
      throw acceptedPending(request.idempotencyKey);
    }
    if (placement.state === "placed") return placement.orderId!;
    if (placement.state === "awaiting_stock") throw acceptedPending(request.idempotencyKey);
    const rejection = placement.rejection as unknown as Rejection;
    throw new DomainError(rejection.code, rejection.message, rejection.details);
  }

  /**
   * Drives an unfinished placement one move on: awaiting_stock → placed or
   * rejecting, rejecting → rejected. Throws when a service does not answer;
   * the placement then stays where it was, for the next try.
   */
  async drive(placement: OrderPlacement): Promise<OrderPlacement> {
    const recordedNow = placement.state === "awaiting_stock";
    if (placement.state === "awaiting_stock") placement = await this.reserve(placement);
    if (placement.state === "rejecting") placement = await this.closeReservation(placement);
    // Every caller that finds the order placed also sees its confirmation through, so concurrent retries answer alike.
    if (placement.state === "placed") await this.confirm(placement, recordedNow);
    return placement;
  }

  private async record(request: PlacementRequest, requestHash: string): Promise<OrderPlacement> {
    const { idempotencyScope, idempotencyKey } = request;
    const placements = this.deps.prisma.orderPlacement;
    const byKey = () =>
      placements.findUnique({
        where: { idempotencyScope_idempotencyKey: { idempotencyScope, idempotencyKey: idempotencyKey! } },
      });
    if (idempotencyKey) {
      const existing = await retryOnDatabaseFailure(byKey);
      if (existing) return existing;
    }
    // Chosen before the insert, so an insert that committed but whose answer was lost is found by its id when tried again.
    const reservationId = crypto.randomUUID();
    return retryOnDatabaseFailure(async () => {
      try {
        return await placements.create({
          data: {
            reservationId,
            idempotencyScope,
            idempotencyKey,
            requestHash,
            userId: request.userId,
            lines: request.lines as unknown as Prisma.InputJsonValue,
          },
        });
      } catch (error) {
        if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
        // An earlier try of this very insert committed, or the same key was recorded concurrently: either way
        // there is one placement, and this request drives it.
        const existing = (await placements.findUnique({ where: { reservationId } })) ?? (idempotencyKey ? await byKey() : null);
        if (existing) return existing;
        throw error;
      }
    });
  }

  private async reserve(placement: OrderPlacement): Promise<OrderPlacement> {
    let reserved: ReservedLine[];
    try {
      reserved = await this.deps.products.reserveStock(placement.reservationId, placement.lines as unknown as OrderLine[]);
    } catch (error) {
      if (error instanceof DomainError && REFUSALS.has(error.code)) {
        return retryOnDatabaseFailure(() => this.refuse(placement, error));
      }
      throw error;
    }
    // The statement is a compare-and-set: trying it again after a lost connection records the order once.
    return retryOnDatabaseFailure(() => this.recordOrder(placement, reserved));
  }

  /**
   * awaiting_stock → placed, and the order with its lines, its first status and its `placed` event: one
   * statement (recordOrderStatement), so no lock is held across a round trip and all of it commits or none.
   */
  private async recordOrder(placement: OrderPlacement, reserved: ReservedLine[]): Promise<OrderPlacement> {
    const unitPrice = new Map(reserved.map((line) => [Number(line.productId), new Prisma.Decimal(line.unitPrice)]));
    const lines = (placement.lines as unknown as OrderLine[]).map((line) => ({ ...line, price: unitPrice.get(line.productId)! }));
    const totalAmount = lines.reduce((sum, line) => sum.add(line.price.mul(line.quantity)), new Prisma.Decimal(0));
    // Stamped here, as Prisma stamps its creates: the order's createdAt is its history line's time and its event's occurredAt.
    const now = new Date();
    const event = placedEventAwaitingOrderId({ order: { userId: placement.userId, totalAmount }, lines, occurredAt: now });
    const [row] = await this.deps.prisma.$queryRaw<(OrderPlacement & { recordedHere: boolean })[]>(
      recordOrderStatement({ reservationId: placement.reservationId, lines, totalAmount, now, event }),
    );
    if (!row) throw new Error(`placement ${placement.reservationId} does not exist`);
    const { recordedHere, ...recorded } = row;
    // Counted once the statement has committed, by the one caller that recorded it.
    if (recordedHere) {
      this.deps.counters.placed.inc();
      this.deps.eventsRecorded();
    }
    return recorded;
  }

  /**
   * The order is placed whatever happens here; a failed confirm is left to recovery.
   * An order recorded during this drive is not read back: it was reserved a moment
   * ago, and confirming is idempotent at products and a compare-and-set here.
   */
  private async confirm(placement: OrderPlacement, recordedNow: boolean): Promise<void> {
    const orderId = placement.orderId!;
    try {
      const order = recordedNow
        ? { id: orderId, stockReservationId: placement.reservationId, stockState: "reserved" as const }
        : await this.deps.prisma.order.findUniqueOrThrow({ where: { id: orderId } });
      if (order.stockState === "reserved") await confirmOrderStock(this.deps, order);
    } catch (error) {
      this.deps.logger.warn({ err: error, orderId }, "could not confirm an order's stock reservation; recovery will");
    }
  }

  /** awaiting_stock → rejecting, keeping the refusal to answer retries with. */
  private async refuse(placement: OrderPlacement, refusal: DomainError): Promise<OrderPlacement> {
    const { code: _code, ...details } = refusal.extensions;
    const rejection: Rejection = { code: refusal.code, message: refusal.message, details };
    const { reservationId } = placement;
    const { count } = await this.deps.prisma.orderPlacement.updateMany({
      where: { reservationId, state: "awaiting_stock" },
      data: { state: "rejecting", rejection: rejection as unknown as Prisma.InputJsonValue },
    });
    if (count === 1 && refusal.code === ErrorCode.OUT_OF_STOCK) this.deps.counters.refusedForStock.inc();
    return count === 1
      ? { ...placement, state: "rejecting", rejection: rejection as unknown as Prisma.JsonValue }
      : this.deps.prisma.orderPlacement.findUniqueOrThrow({ where: { reservationId } });
  }

  /**
   * rejecting → rejected, once products has closed the id: it gives back any
   * stock a late, concurrent reserve took under it, and refuses any reserve
   * still to come. The refusal is the answer either way, so a failure here
   * only leaves the close to recovery.
   */
  private async closeReservation(placement: OrderPlacement): Promise<OrderPlacement> {
    const { reservationId } = placement;
    try {
      await this.deps.products.releaseStock(reservationId);
    } catch (error) {
      this.deps.logger.warn({ err: error, reservationId }, "could not close a refused order's reservation; recovery will");
      return placement;
    }
    await this.deps.prisma.orderPlacement.updateMany({
      where: { reservationId, state: "rejecting" },
      data: { state: "rejected" },
    });
    return { ...placement, state: "rejected" };
  }
}

/** A placement row as Prisma names its fields (the state as text: the enum's value). */
const PLACEMENT_COLUMNS = Prisma.raw(`"reservation_id" AS "reservationId", "idempotency_scope" AS "idempotencyScope",
  "idempotency_key" AS "idempotencyKey", "request_hash" AS "requestHash", "user_id" AS "userId", "lines", "state"::text AS "state",
  "order_id" AS "orderId", "rejection", "created_at" AS "createdAt", "updated_at" AS "updatedAt"`);

/**
 * The compare-and-set awaiting_stock → placed, and only when it took the row:
 * the order (its id drawn from the orders' sequence in that same update, so
 * the placement row is written once), its lines, its `pending` history line
 * and its `placed` event in the outbox, with the order's id set in it.
 * Answers the placement, and whether this statement placed it. The row is
 * locked first, so a concurrent recorder is waited for and the row is read as
 * it left it (the statement's snapshot would be older): then nothing is
 * written and the placed row is the answer.
 */
function recordOrderStatement(order: {
  reservationId: string;
  lines: { productId: number; quantity: number; price: Prisma.Decimal }[];
  totalAmount: Prisma.Decimal;
  now: Date;
  event: OrderEvent;
}): Prisma.Sql {
  const { reservationId, lines, event } = order;
  const now = order.now.toISOString();
  // Exact decimals as text (toFixed without digits never writes an exponent); numeric in the database.
  const prices = lines.map((line) => line.price.toFixed());
  return Prisma.sql`
    WITH "current" AS (
      SELECT ${PLACEMENT_COLUMNS} FROM "order_placements" WHERE "reservation_id" = ${reservationId}::uuid FOR UPDATE
    ),
    "placed" AS (
      UPDATE "order_placements"
      SET "state" = 'placed', "order_id" = nextval(pg_get_serial_sequence('"orders"', 'id')), "updated_at" = ${now}::timestamptz
      WHERE "reservation_id" = ${reservationId}::uuid AND "state" = 'awaiting_stock' AND EXISTS (SELECT 1 FROM "current")
      RETURNING ${PLACEMENT_COLUMNS}
    ),
    "new_order" AS (
      INSERT INTO "orders" ("id", "user_id", "total_amount", "stock_reservation_id", "created_at", "updated_at")
      SELECT "orderId", "userId", ${order.totalAmount.toFixed()}::numeric, "reservationId", ${now}::timestamptz, ${now}::timestamptz
      FROM "placed"
      RETURNING "id"
    ),
    "items" AS (
      INSERT INTO "order_items" ("order_id", "product_id", "quantity", "price", "created_at")
      SELECT "o"."id", "l"."product_id", "l"."quantity", "l"."price", ${now}::timestamptz
      FROM "new_order" "o"
      CROSS JOIN unnest(${lines.map((line) => line.productId)}::int[], ${lines.map((line) => line.quantity)}::int[], ${prices}::numeric[])
        WITH ORDINALITY AS "l"("product_id", "quantity", "price", "position")
      ORDER BY "l"."position"
    ),
    "history" AS (
      INSERT INTO "order_status_changes" ("order_id", "status", "changed_at") SELECT "id", 'pending', ${now}::timestamptz FROM "new_order"
    ),
    "event" AS (
      ${outboxInsert(event, Prisma.sql`"id"`, Prisma.sql`FROM "new_order"`, order.now)}
    )
    SELECT *, true AS "recordedHere" FROM "placed"
    UNION ALL
    SELECT *, false FROM "current" WHERE NOT EXISTS (SELECT 1 FROM "placed")`;
}

function acceptedPending(idempotencyKey: string | null): DomainError {
  return new DomainError(
    ErrorCode.ACCEPTED_PENDING,
    idempotencyKey
      ? "The order is recorded but its stock is not confirmed yet; it completes by itself. Send the same request with the same idempotency key to see the outcome."
      : "The order is recorded but its stock is not confirmed yet; it completes by itself and then shows among the user's orders.",
  );
}

/** The same request always hashes the same: the user and the lines in the order given. */
function hashOf(request: PlacementRequest): string {
  const canonical = JSON.stringify({ userId: request.userId, lines: request.lines.map((l) => [l.productId, l.quantity]) });
  return crypto.createHash("sha256").update(canonical).digest("hex");
}
