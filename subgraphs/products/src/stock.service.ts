import { z } from "zod";
import { Prisma, type Product } from "../../../prisma/products/generated/client/client";
import { badInput, DomainError, ErrorCode, notFound } from "../../../lib/errors";
import { toIntId } from "../../shared/ids";
import { parseInput } from "../../shared/validation";
import type { CatalogueChanges, Touch } from "./catalogue-changes";
import type { ProductsPrisma } from "./database";

/**
 * Stock: adjusted by hand, and reserved for orders. Every change is one
 * statement that checks the stock on the row it locks (`stock_quantity >= n`)
 * and commits on its own, so concurrent callers can never take stock below
 * zero and no row stays locked across a round trip; the CHECK constraint
 * backs that up. Every change goes through CatalogueChanges (the read cache's
 * invalidation), and nothing here reads from that cache: stock and prices
 * come from the database.
 */

const MAX_STOCK = 2_147_483_647;

export interface ReservedLine {
  productId: number;
  quantity: number;
  unitPrice: Prisma.Decimal;
}

const ReservationRequest = z.object({
  reservationId: z.uuid("reservationId must be a UUID"),
  items: z
    .array(z.object({ productId: z.string(), quantity: z.number().int().min(1, "quantity must be at least 1") }))
    .min(1, "at least one item is required"),
});

export class StockService {
  constructor(
    private readonly prisma: ProductsPrisma,
    private readonly changes: CatalogueChanges,
  ) {}

  /** Adds delta to a product's stock; refuses (OUT_OF_STOCK) rather than going below zero. */
  async adjust(id: number, delta: number): Promise<Product> {
    // Checked before the write: a refused delta invalidates nothing. Beyond this no stock could absorb it, and its
    // negation would not fit the column's type.
    if (!Number.isInteger(delta) || Math.abs(delta) > MAX_STOCK) {
      throw badInput(`delta must be between -${MAX_STOCK} and ${MAX_STOCK}`, { field: "delta" });
    }
    return this.changes.write([id], () => this.adjustNow(id, delta));
  }

  private async adjustNow(id: number, delta: number): Promise<Product> {
    const guard = delta < 0 ? { gte: -delta } : { lte: MAX_STOCK - delta };
    const { count } = await this.prisma.product.updateMany({
      where: { id, stockQuantity: guard },
      data: { stockQuantity: { increment: delta } },
    });
    const product = await this.prisma.product.findUnique({ where: { id } });
    if (!product) throw notFound("Product not found");
    if (count === 0) {
      if (delta > 0) throw badInput("Stock would exceed the largest storable quantity");
      throw new DomainError(ErrorCode.OUT_OF_STOCK, `Insufficient stock for product ${id}`, { productId: String(id) });
    }
    return product;
  }

  /**
   * Takes the stock of every line or of none, and returns each line's unit
   * price read as it was taken. Idempotent per reservationId: a retry
   * returns the first call's result and takes nothing more. A released id
   * (given back, or closed by `release` before it was ever used) refuses with
   * RESERVATION_RELEASED, so a late retry can never take stock again.
   *
   * One statement, committed on its own: the product rows are locked, checked,
   * decremented and the reservation recorded without a round trip in between,
   * so a hot product's row is locked only while the database runs it.
   */
  async reserve(input: { reservationId: string; items: { productId: string; quantity: number }[] }): Promise<ReservedLine[]> {
    const { reservationId, items } = parseInput(ReservationRequest, input);
    const wanted = mergeLines(
      items.map((item) => ({ productId: toIntId(item.productId, "productId"), quantity: item.quantity })),
    );
    return this.changes.write(
      wanted.map((line) => line.productId),
      () => this.reserveNow(reservationId, wanted),
    );
  }

  private async reserveNow(reservationId: string, wanted: { productId: number; quantity: number }[]): Promise<ReservedLine[]> {
    let rows: ReserveRow[];
    try {
      rows = await this.prisma.$queryRaw<ReserveRow[]>(reserveStatement(reservationId, wanted));
    } catch (error) {
      // The same id committed concurrently (a retry, or a release closing it): answer as that one says.
      if (isUniqueViolation(error)) {
        const existing = await this.linesOf(reservationId);
        if (existing) return existing;
      }
      throw error;
    }
    if (rows.every((row) => row.taken)) {
      return rows.map((row) => ({
        productId: row.productId,
        quantity: row.quantity,
        unitPrice: new Prisma.Decimal(row.unitPrice!),
      }));
    }
    // The id was used before: answer as it says (reservations are never deleted).
    if (rows[0].priorState !== null) return (await this.linesOf(reservationId))!;
    // Nothing was taken: the first line (by product id) that could not be is the answer.
    const refused = rows.find((row) => !row.onSale || row.stock! < row.quantity)!;
    const productId = String(refused.productId);
    if (!refused.onSale) throw notFound(`Product ${productId} not found`, { productId });
    throw new DomainError(ErrorCode.OUT_OF_STOCK, `Insufficient stock for product ${productId}`, { productId });
  }

  /** held → confirmed: the order holding this reservation is recorded. True when it is confirmed; false when it does not exist or was released. */
  async confirm(reservationId: string): Promise<boolean> {
    assertUuid(reservationId);
    // One statement: the move, else the state it is in. The row is locked first, so a concurrent
    // confirm or release is waited for and its outcome read (the statement's snapshot would be older).
    const [row] = await this.prisma.$queryRaw<{ state: string | null }[]>`
      WITH "current" AS (
        SELECT "state" FROM "stock_reservations" WHERE "id" = ${reservationId}::uuid FOR UPDATE
      ),
      "moved" AS (
        UPDATE "stock_reservations" SET "state" = 'confirmed', "confirmed_at" = now()
        WHERE "id" = ${reservationId}::uuid AND "state" = 'held' AND EXISTS (SELECT 1 FROM "current")
        RETURNING "state"
      )
      SELECT coalesce((SELECT "state"::text FROM "moved"), (SELECT "state"::text FROM "current")) AS "state"`;
    return row?.state === "confirmed";
  }

  /**
   * Ids of reservations still held (neither confirmed nor released), in id
   * order, a page at a time: the orders service decides each from its records.
   * No age is involved: orders records its intent before it ever reserves.
   */
  async unsettled(first: number, after: string | null | undefined): Promise<string[]> {
    if (after) assertUuid(after);
    const rows = await this.prisma.stockReservation.findMany({
      where: { state: "held", ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: "asc" },
      select: { id: true },
      take: Math.min(Math.max(first, 1), 500),
    });
    return rows.map((row) => row.id);
  }

  /**
   * held or confirmed → released: gives the stock back, once. An id never
   * reserved is closed with an empty released reservation (a tombstone), so a
   * reserve that arrives later cannot take stock for an order that was given
   * up. True when this call gave stock back.
   */
  async release(reservationId: string): Promise<boolean> {
    assertUuid(reservationId);
    // Which products a release gives stock back to is known only once it has run: they are touched then.
    return this.changes.write([], (touch) => this.releaseNow(reservationId, touch));
  }

  private async releaseNow(reservationId: string, touch: Touch): Promise<boolean> {
    for (;;) {
      // One statement, as reserving is: the move and the stock given back, product rows locked in id order.
      const [{ released, productIds }] = await this.prisma.$queryRaw<{ released: number; productIds: number[] | null }[]>`
        WITH "moved" AS (
          UPDATE "stock_reservations" SET "state" = 'released', "released_at" = now()
          WHERE "id" = ${reservationId}::uuid AND "state" IN ('held', 'confirmed')
          RETURNING "id"
        ),
        "lines" AS (
          SELECT "l"."product_id", "l"."quantity" FROM "stock_reservation_lines" "l" JOIN "moved" "m" ON "m"."id" = "l"."reservation_id"
        ),
        "locked" AS (
          SELECT count(*) AS "rows" FROM (
            SELECT "p"."id" FROM "products" "p" WHERE "p"."id" IN (SELECT "product_id" FROM "lines") ORDER BY "p"."id" FOR UPDATE
          ) AS "in_order"
        ),
        "given_back" AS (
          -- Joined with the count over every locked row: nothing is updated before all of them are locked.
          UPDATE "products" "p" SET "stock_quantity" = "p"."stock_quantity" + "lines"."quantity", "updated_at" = now()
          FROM "lines", "locked" WHERE "p"."id" = "lines"."product_id"
          RETURNING "p"."id"
        )
        SELECT (SELECT count(*) FROM "moved")::int AS "released", (SELECT array_agg("id") FROM "given_back") AS "productIds"`;
      if (released === 1) {
        touch(...(productIds ?? []));
        return true;
      }
      // Not held: already released, or never reserved. ON CONFLICT DO NOTHING waits for a
      // reserve of the same id in flight; if one committed, go round again and release it.
      const tombstone = await this.prisma.stockReservation.createMany({
        data: [{ id: reservationId, state: "released", releasedAt: new Date() }],
        skipDuplicates: true,
      });
      if (tombstone.count === 1) return false;
      const existing = await this.prisma.stockReservation.findUnique({ where: { id: reservationId }, select: { state: true } });
      if (existing?.state === "released") return false;
    }
  }

  /** What an existing reservation took; null when there is none; RESERVATION_RELEASED when it was released. */
  private async linesOf(reservationId: string): Promise<ReservedLine[] | null> {
    const reservation = await this.prisma.stockReservation.findUnique({
      where: { id: reservationId },
      include: { lines: { orderBy: { productId: "asc" } } },
    });
    if (!reservation) return null;
    if (reservation.state === "released") {
      throw new DomainError(ErrorCode.RESERVATION_RELEASED, "This stock reservation was released", { reservationId });
    }
    return reservation.lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice }));
  }
}

function assertUuid(reservationId: string): void {
  if (!z.uuid().safeParse(reservationId).success) throw badInput("reservationId must be a UUID");
}

/** One row per wanted line, by product id: what the reserve statement saw and did. */
interface ReserveRow {
  productId: number;
  quantity: number;
  /** The reservation's state before this statement; null when the id was new. */
  priorState: string | null;
  /** For sale: the product exists and is not archived. */
  onSale: boolean;
  stock: number | null;
  taken: boolean;
  unitPrice: string | null;
}

/**
 * Locks the wanted products' rows in product-id order (so two reservations
 * cannot deadlock) and reads them as they are once locked; only when the id is
 * new and every line can be served does it take the stock and record the
 * reservation with its lines and prices. Archived products are not for sale:
 * to an order they are as good as missing.
 */
function reserveStatement(reservationId: string, wanted: { productId: number; quantity: number }[]): Prisma.Sql {
  const productIds = wanted.map((line) => line.productId);
  const quantities = wanted.map((line) => line.quantity);
  return Prisma.sql`
    WITH "wanted" AS (
      SELECT * FROM unnest(${productIds}::int[], ${quantities}::int[]) AS "w"("product_id", "quantity")
    ),
    "prior" AS (
      SELECT "state"::text AS "state" FROM "stock_reservations" WHERE "id" = ${reservationId}::uuid
    ),
    "locked" AS (
      SELECT "p"."id", "p"."stock_quantity", "p"."archived_at" IS NULL AS "on_sale", "p"."stock_quantity" >= "w"."quantity" AS "enough"
      FROM "products" "p" JOIN "wanted" "w" ON "w"."product_id" = "p"."id" ORDER BY "p"."id" FOR UPDATE OF "p"
    ),
    "verdict" AS (
      -- An aggregate over every locked row: nothing below runs before all of them are locked.
      SELECT count(*) FILTER (WHERE "on_sale" AND "enough") = (SELECT count(*) FROM "wanted")
        AND NOT EXISTS (SELECT 1 FROM "prior") AS "ok"
      FROM "locked"
    ),
    "taken" AS (
      UPDATE "products" "p" SET "stock_quantity" = "p"."stock_quantity" - "w"."quantity", "updated_at" = now()
      FROM "wanted" "w", "verdict" "v"
      WHERE "p"."id" = "w"."product_id" AND "v"."ok"
      RETURNING "p"."id", "w"."quantity", "p"."price"
    ),
    "reservation" AS (
      INSERT INTO "stock_reservations" ("id") SELECT ${reservationId}::uuid FROM "verdict" WHERE "ok" RETURNING "id"
    ),
    "lines" AS (
      INSERT INTO "stock_reservation_lines" ("reservation_id", "product_id", "quantity", "unit_price")
      SELECT "r"."id", "t"."id", "t"."quantity", "t"."price" FROM "taken" "t" CROSS JOIN "reservation" "r"
    )
    SELECT "w"."product_id" AS "productId", "w"."quantity", (SELECT "state" FROM "prior") AS "priorState",
      coalesce("l"."on_sale", false) AS "onSale", "l"."stock_quantity" AS "stock",
      "t"."id" IS NOT NULL AS "taken", "t"."price"::text AS "unitPrice"
    FROM "wanted" "w" LEFT JOIN "locked" "l" ON "l"."id" = "w"."product_id" LEFT JOIN "taken" "t" ON "t"."id" = "w"."product_id"
    ORDER BY "w"."product_id"`;
}

/** A unique constraint refused the row: through Prisma's API (P2002) or a raw statement (SQLSTATE 23505). */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return error.code === "P2010" && cause?.kind === "UniqueConstraintViolation";
}

/** One line per product, sorted by product id; repeated products add up. */
function mergeLines(lines: { productId: number; quantity: number }[]): { productId: number; quantity: number }[] {
  const totals = new Map<number, number>();
  for (const line of lines) totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
  return [...totals].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
}
