import crypto from "node:crypto";
import DataLoader from "dataloader";
import { z } from "zod";
import { Prisma, type Order, type OrderItem, type OrderStatus } from "../../../prisma/orders/generated/client/client";
import type { Logger } from "../../../lib/logger";
import { DomainError, ErrorCode, notFound } from "../../../lib/errors";
import { toIntId } from "../../shared/ids-and-text";
import { parseInput } from "../../shared/validation";
import type { OrdersPrisma } from "./database";
import { assertStatusMove } from "./order-lifecycle";
import type { OrderCounters } from "./order-metrics";
import type { ProductsClient } from "./products.client";
import type { UsersClient } from "./users.client";

/**
 * Orders: placing them (priced and stocked by the products service), reading
 * them, and moving them along their lifecycle.
 */

export type OrderWithItems = Order & { items: OrderItem[] };
/** Entities owned by other subgraphs are only their keys here. */
export type UserReference = { id: string | number };
export type ProductReference = { id: string | number };

const OrderLines = z
  .array(
    z.object({
      productId: z.string(),
      quantity: z.number().int().min(1, "quantity must be at least 1").max(1_000_000),
    }),
  )
  .min(1, "An order needs at least one item")
  .max(100, "An order has at most 100 items");

const WITH_ITEMS = { items: { orderBy: { id: "asc" } } } satisfies Prisma.OrderInclude;
/** Orders and their items in one statement (a JSON-aggregating join) rather than one query per relation. */
const IN_ONE_QUERY = { include: WITH_ITEMS, relationLoadStrategy: "join" } as const;

export interface OrderServiceDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
  users: UsersClient;
  logger: Logger;
  counters: OrderCounters;
}

/** Built per request, so its loaders batch and cache within one request only. */
export class OrderService {
  private readonly byId: DataLoader<number, OrderWithItems | null>;
  private readonly byUserId: DataLoader<number, OrderWithItems[]>;

  constructor(private readonly deps: OrderServiceDeps) {
    const { prisma } = deps;
    this.byId = new DataLoader(async (ids) => {
      const orders = await prisma.order.findMany({ where: { id: { in: [...ids] } }, ...IN_ONE_QUERY });
      const found = new Map(orders.map((order) => [order.id, order]));
      return ids.map((id) => found.get(id) ?? null);
    });
    this.byUserId = new DataLoader(async (userIds) => {
      const orders = await prisma.order.findMany({
        where: { userId: { in: [...userIds] } },
        ...IN_ONE_QUERY,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
      return userIds.map((userId) => orders.filter((order) => order.userId === userId));
    });
  }

  findById(id: number): Promise<OrderWithItems | null> {
    return this.byId.load(id);
  }

  /** A user's orders, newest first. Batched across users (User.orders on many users is one query). */
  findByUser(userId: number): Promise<OrderWithItems[]> {
    return this.byUserId.load(userId);
  }

  /**
   * Places an order. The products service takes the stock of all lines or
   * none and tells the unit prices in the same step; if recording the order
   * then fails, the stock is given back, and if this process dies in between,
   * the reservation sweep gives it back later: stock is never lost.
   */
  async create(userIdInput: string, itemsInput: { productId: string; quantity: number }[]): Promise<OrderWithItems> {
    const userId = toIntId(userIdInput, "userId");
    const items = parseInput(OrderLines, itemsInput).map((item) => ({
      productId: toIntId(item.productId, "productId"),
      quantity: item.quantity,
    }));
    if (!(await this.deps.users.userExists(userId))) throw notFound(`User ${userId} not found`, { userId: String(userId) });

    const reservationId = crypto.randomUUID();
    const reserved = await this.deps.products.reserveStock(reservationId, items).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === ErrorCode.OUT_OF_STOCK) this.deps.counters.refusedForStock.inc();
      throw error;
    });
    const unitPrice = new Map(reserved.map((line) => [Number(line.productId), new Prisma.Decimal(line.unitPrice)]));
    const lines = items.map((item) => ({ ...item, price: unitPrice.get(item.productId)! }));
    const totalAmount = lines.reduce((sum, line) => sum.add(line.price.mul(line.quantity)), new Prisma.Decimal(0));

    let order: OrderWithItems;
    try {
      order = await this.deps.prisma.order.create({
        data: { userId, totalAmount, stockReservationId: reservationId, items: { create: lines } },
        include: WITH_ITEMS,
      });
    } catch (error) {
      await this.giveStockBack(reservationId);
      throw error;
    }
    // Tell the products service the stock is spoken for. Should this call fail,
    // the reservation sweep (reservation-sweep.ts) confirms it later.
    await this.deps.products.confirmStockReservation(reservationId).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, reservationId }, "could not confirm a stock reservation; the sweep will");
    });
    this.deps.counters.placed.inc();
    return order;
  }

  async updateStatus(id: number, status: OrderStatus): Promise<OrderWithItems> {
    const order = await this.deps.prisma.order.findUnique({ where: { id } });
    if (!order) throw notFound("Order not found");
    assertStatusMove(order.status, status);
    if (order.status !== status) {
      // Conditional on the status we checked, so two racing moves cannot both apply.
      const { count } = await this.deps.prisma.order.updateMany({ where: { id, status: order.status }, data: { status } });
      if (count === 0) return this.updateStatus(id, status);
      if (status === "cancelled") this.deps.counters.cancelled.inc();
    }
    // Repeating a cancel retries the give-back, which is idempotent.
    if (status === "cancelled") await this.deps.products.releaseStock(order.stockReservationId);
    const updated = await this.deps.prisma.order.findUnique({ where: { id }, ...IN_ONE_QUERY });
    return updated!;
  }

  private async giveStockBack(reservationId: string): Promise<void> {
    try {
      await this.deps.products.releaseStock(reservationId);
      this.deps.counters.reservationsReleased.inc({ by: "failed_order" });
    } catch (error) {
      this.deps.logger.error(
        { err: error, reservationId },
        "could not give back the stock of a failed order; release it by hand",
      );
    }
  }
}
