import { z } from "zod";
import { Prisma, type Product } from "../../../prisma/products/generated/client/client";
import { badInput, DomainError, ErrorCode, notFound } from "../../../lib/errors";
import { toIntId } from "../../shared/ids";
import { parseInput } from "../../shared/validation";
import type { CatalogueChanges, Touch } from "./catalogue-changes";
import type { ProductsPrisma } from "./database";

/**
 * Stock: adjusted by hand, and reserved for orders. Every change is one
 * conditional UPDATE (`... WHERE stock_quantity >= n`), so concurrent callers
 * can never take stock below zero; the CHECK constraint backs that up.
 * Every change goes through CatalogueChanges (the read cache's invalidation),
 * and nothing here reads from that cache: stock and prices come from the database.
 */

const MAX_STOCK = 2_147_483_647;

type Tx = Prisma.TransactionClient;

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
  adjust(id: number, delta: number): Promise<Product> {
    return this.changes.write((touch) => {
      touch(id);
      return this.adjustNow(id, delta);
    });
  }

  private async adjustNow(id: number, delta: number): Promise<Product> {
    // Beyond this no stock could absorb it, and its negation would not fit the column's type.
    if (!Number.isInteger(delta) || Math.abs(delta) > MAX_STOCK) {
      throw badInput(`delta must be between -${MAX_STOCK} and ${MAX_STOCK}`, { field: "delta" });
    }
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
   * price read in the same transaction. Idempotent per reservationId: a retry
   * returns the first call's result and takes nothing more. A released id
   * (given back, or closed by `release` before it was ever used) refuses with
   * RESERVATION_RELEASED, so a late retry can never take stock again.
   */
  async reserve(input: { reservationId: string; items: { productId: string; quantity: number }[] }): Promise<ReservedLine[]> {
    const { reservationId, items } = parseInput(ReservationRequest, input);
    const wanted = mergeLines(
      items.map((item) => ({ productId: toIntId(item.productId, "productId"), quantity: item.quantity })),
    );
    return this.changes.write((touch) => {
      touch(...wanted.map((line) => line.productId));
      return this.reserveNow(reservationId, wanted);
    });
  }

  private async reserveNow(reservationId: string, wanted: { productId: number; quantity: number }[]): Promise<ReservedLine[]> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const existing = await this.linesOf(tx, reservationId);
        if (existing) return existing;
        // A fixed order (by product id) keeps two concurrent reservations from deadlocking.
        for (const line of wanted) await takeStock(tx, line.productId, line.quantity);
        const prices = await tx.product.findMany({
          where: { id: { in: wanted.map((line) => line.productId) } },
          select: { id: true, price: true },
        });
        const priceOf = new Map(prices.map((row) => [row.id, row.price]));
        const lines = wanted.map((line) => ({ ...line, unitPrice: priceOf.get(line.productId)! }));
        await tx.stockReservation.create({ data: { id: reservationId, lines: { create: lines } } });
        return lines;
      });
    } catch (error) {
      // The same id committed concurrently (a retry, or a release closing it): answer as that one says.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        const existing = await this.linesOf(this.prisma, reservationId);
        if (existing) return existing;
      }
      throw error;
    }
  }

  /** held → confirmed: the order holding this reservation is recorded. True when it is confirmed; false when it does not exist or was released. */
  async confirm(reservationId: string): Promise<boolean> {
    assertUuid(reservationId);
    await this.prisma.stockReservation.updateMany({
      where: { id: reservationId, state: "held" },
      data: { state: "confirmed", confirmedAt: new Date() },
    });
    const reservation = await this.prisma.stockReservation.findUnique({ where: { id: reservationId }, select: { state: true } });
    return reservation?.state === "confirmed";
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
    return this.changes.write((touch) => this.releaseNow(reservationId, touch));
  }

  private releaseNow(reservationId: string, touch: Touch): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      for (;;) {
        const { count } = await tx.stockReservation.updateMany({
          where: { id: reservationId, state: { in: ["held", "confirmed"] } },
          data: { state: "released", releasedAt: new Date() },
        });
        if (count === 1) {
          const lines = await tx.stockReservationLine.findMany({ where: { reservationId }, orderBy: { productId: "asc" } });
          touch(...lines.map((line) => line.productId));
          for (const line of lines) {
            await tx.product.update({ where: { id: line.productId }, data: { stockQuantity: { increment: line.quantity } } });
          }
          return true;
        }
        // Not held: already released, or never reserved. ON CONFLICT DO NOTHING waits for a
        // reserve of the same id in flight; if one committed, go round again and release it.
        const tombstone = await tx.stockReservation.createMany({
          data: [{ id: reservationId, state: "released", releasedAt: new Date() }],
          skipDuplicates: true,
        });
        if (tombstone.count === 1) return false;
        const existing = await tx.stockReservation.findUnique({ where: { id: reservationId }, select: { state: true } });
        if (existing?.state === "released") return false;
      }
    });
  }

  /** What an existing reservation took; null when there is none; RESERVATION_RELEASED when it was released. */
  private async linesOf(db: Tx | ProductsPrisma, reservationId: string): Promise<ReservedLine[] | null> {
    const reservation = await db.stockReservation.findUnique({
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

async function takeStock(tx: Tx, productId: number, quantity: number): Promise<void> {
  // Archived products are not for sale: to an order they are as good as missing.
  const { count } = await tx.product.updateMany({
    where: { id: productId, archivedAt: null, stockQuantity: { gte: quantity } },
    data: { stockQuantity: { decrement: quantity } },
  });
  if (count === 1) return;
  const exists = await tx.product.count({ where: { id: productId, archivedAt: null } });
  if (!exists) throw notFound(`Product ${productId} not found`, { productId: String(productId) });
  throw new DomainError(ErrorCode.OUT_OF_STOCK, `Insufficient stock for product ${productId}`, { productId: String(productId) });
}

/** One line per product, sorted by product id; repeated products add up. */
function mergeLines(lines: { productId: number; quantity: number }[]): { productId: number; quantity: number }[] {
  const totals = new Map<number, number>();
  for (const line of lines) totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
  return [...totals].sort(([a], [b]) => a - b).map(([productId, quantity]) => ({ productId, quantity }));
}
