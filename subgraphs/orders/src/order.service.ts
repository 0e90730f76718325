import crypto from "node:crypto";
import DataLoader from "dataloader";
import { z } from "zod";
import {
  Prisma,
  type Order,
  type OrderItem,
  type OrderStatus,
  type OrderStatusChange,
} from "../../../prisma/orders/generated/client/client";
import type { Logger } from "../../../lib/logger";
import { badInput, DomainError, ErrorCode, notFound } from "../../../lib/errors";
import { DATABASE_RETRY_AFTER_SECONDS, databaseFailureError, retryOnDatabaseFailure } from "../../shared/database-errors";
import { toIntId } from "../../shared/ids";
import type { RequestIdentity } from "../../../lib/request-identity";
import { parseInput } from "../../shared/validation";
import type { OrdersPrisma } from "./database";
import { recordOrderEvent } from "./events/order-events";
import { assertStatusMove } from "./order-lifecycle";
import { orderPolicy } from "./order.policy";
import type { OrderPlacements } from "./placement/order-placement";
import { releaseOrderStock } from "./order-stock";
import type { OrderCounters } from "./order-metrics";
import type { ProductsClient } from "./products.client";
import type { UsersClient } from "./users.client";

/**
 * Orders: placing them (order-placement.ts does the steps), reading them a
 * page at a time, and moving them along their lifecycle (order-lifecycle.ts).
 */

export type OrderWithItems = Order & { items: OrderItem[]; statusChanges: OrderStatusChange[] };
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

const IdempotencyKey = z.string().min(1, "idempotencyKey must not be empty").max(255, "idempotencyKey is at most 255 characters");

const WITH_ITEMS = {
  items: { orderBy: { id: "asc" } },
  statusChanges: { orderBy: { id: "asc" } },
} satisfies Prisma.OrderInclude;
/** Orders with their items and history in one statement (a JSON-aggregating join) rather than one query per relation. */
const IN_ONE_QUERY = { include: WITH_ITEMS, relationLoadStrategy: "join" } as const;

export const MAX_PAGE = 100;

export interface OrdersPage {
  first: number;
  /** The id of the last order of the previous page. */
  after: number | null;
}

export interface OrderServiceDeps {
  prisma: OrdersPrisma;
  products: ProductsClient;
  users: UsersClient;
  /** ORDERS_REQUIRE_VERIFIED_EMAIL. */
  requireVerifiedEmail?: boolean;
  placements: OrderPlacements;
  logger: Logger;
  counters: OrderCounters;
  /** Called once a transaction that wrote an order event has committed: wakes the relay. */
  eventsRecorded(): void;
  /** ORDERS_LOCK_TIMEOUT_MS: how long a status move waits for another move on the same order. */
  lockTimeoutMs: number;
}

/** How many times a status move looks again after another move won the race on the same order. */
const MOVE_ATTEMPTS = 3;

/** The scope recorded for a placement with no key and no caller to scope by: without a key, nothing looks it up. */
const ANONYMOUS_SCOPE = "none";

/**
 * Whose idempotency key it is, so that keys of different callers never meet
 * (docs/orders.md, "Idempotency keys"): the signed-in user; else, for an
 * anonymous caller (open mode), the client's address as the gateway saw it,
 * hashed (no address is stored) and prefixed so that it can never equal a
 * user's scope. Null when there is no caller to scope by.
 */
export function idempotencyScopeOf(caller: RequestIdentity): string | null {
  const { principal, clientAddress } = caller;
  if (principal.kind === "user") return `user:${principal.userId}`;
  if (principal.kind === "service") return "service";
  if (!clientAddress) return null;
  return `anonymous:${crypto.createHash("sha256").update(clientAddress).digest("hex")}`;
}

/** Runs a mutation's work; a database failure it meets becomes the retryable (or not) answer database-errors.ts gives. */
async function answerDatabaseFailure<Result>(retrySafe: boolean, work: () => Promise<Result>): Promise<Result> {
  try {
    return await work();
  } catch (error) {
    throw databaseFailureError(error, retrySafe) ?? error;
  }
}

/** Built per request, so its loaders batch and cache within one request only. */
export class OrderService {
  private readonly byId: DataLoader<number, OrderWithItems | null>;
  private readonly byUserId: DataLoader<{ userId: number; page: OrdersPage }, OrderWithItems[], string>;

  constructor(private readonly deps: OrderServiceDeps) {
    const { prisma } = deps;
    this.byId = new DataLoader(async (ids) => {
      const orders = await prisma.order.findMany({ where: { id: { in: [...ids] } }, ...IN_ONE_QUERY });
      const found = new Map(orders.map((order) => [order.id, order]));
      return ids.map((id) => found.get(id) ?? null);
    });
    this.byUserId = new DataLoader((keys) => loadPages(prisma, keys), {
      cacheKeyFn: ({ userId, page }) => `${userId}:${page.first}:${page.after}`,
    });
  }

  findById(id: number): Promise<OrderWithItems | null> {
    return this.byId.load(id);
  }

  /** One page of a user's orders, newest first. Batched across users (User.orders on many users costs the same two queries). */
  findByUser(userId: number, first: number | null | undefined, after: string | null | undefined): Promise<OrderWithItems[]> {
    const size = first ?? 20;
    if (size < 1 || size > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
    const page = { first: size, after: after == null ? null : toIntId(after, "after") };
    return this.byUserId.load({ userId, page });
  }

  /**
   * Places an order (see order-placement.ts). The idempotency key belongs to
   * the caller (idempotencyScopeOf). An order that was placed is answered as
   * placed: its steps, and reading it back, are tried again when the database
   * drops a connection. A database failure before anything is known recorded
   * answers SERVICE_UNAVAILABLE, retryable when the call is keyed (the same
   * key finds whatever was recorded).
   */
  async create(
    userIdInput: string,
    itemsInput: { productId: string; quantity: number }[],
    idempotencyKeyInput: string | null | undefined,
    caller: RequestIdentity,
  ): Promise<OrderWithItems> {
    const userId = toIntId(userIdInput, "userId");
    const lines = parseInput(OrderLines, itemsInput).map((item) => ({
      productId: toIntId(item.productId, "productId"),
      quantity: item.quantity,
    }));
    const idempotencyKey = idempotencyKeyInput == null ? null : parseInput(IdempotencyKey, idempotencyKeyInput);
    const idempotencyScope = idempotencyScopeOf(caller);
    if (idempotencyKey && !idempotencyScope) {
      throw badInput("An idempotency key needs a caller it belongs to: sign in, or call through the gateway");
    }
    const buyer = await this.deps.users.buyer(userId, { fresh: orderPolicy.asksBuyerAfresh(caller, userId) });
    if (!buyer) throw notFound(`User ${userId} not found`, { userId: String(userId) });
    orderPolicy.assertBuyerMayOrder(buyer, this.deps.requireVerifiedEmail ?? false);
    this.deps.users.keepMayOrder(userId, buyer);
    const orderId = await answerDatabaseFailure(idempotencyKey !== null, () =>
      this.deps.placements.place({ userId, lines, idempotencyScope: idempotencyScope ?? ANONYMOUS_SCOPE, idempotencyKey }),
    );
    try {
      return await retryOnDatabaseFailure(() =>
        this.deps.prisma.order.findUniqueOrThrow({ where: { id: orderId }, ...IN_ONE_QUERY }),
      );
    } catch (error) {
      this.deps.logger.warn({ err: error, orderId }, "an order was placed but could not be read back");
      throw new DomainError(
        ErrorCode.ACCEPTED_PENDING,
        `The order is placed (order ${orderId}) but could not be read back just now; it shows among the user's orders.`,
        { orderId: String(orderId) },
      );
    }
  }

  /**
   * Moves an order to `status`, once: the move and its history line are one
   * transaction, conditional on the status that was checked. A cancel records
   * that the stock is to be given back in the same transaction (and every move
   * its order event, docs/events.md), then asks products; if that does not
   * answer, the cancel still stands and the answer says the release is pending
   * (ACCEPTED_PENDING); recovery finishes it. Moves are idempotent (moving to
   * the status the order has changes nothing, and repeating a cancel retries a
   * pending release), so any error here means sending the same move again is
   * safe: a database failure answers SERVICE_UNAVAILABLE or CONFLICT with
   * retryable: true, even when its connection broke after the COMMIT.
   * `authorize` is the caller's policy, asked with the order as it is now.
   */
  async updateStatus(
    id: number,
    status: OrderStatus,
    authorize: (order: OrderWithItems | null) => void,
  ): Promise<OrderWithItems> {
    return answerDatabaseFailure(true, async () => {
      authorize(await this.findById(id));
      let order = await this.moveStatus(id, status);
      if (order.stockState === "release_pending") {
        try {
          order = { ...order, stockState: await releaseOrderStock(this.deps, order) };
        } catch (error) {
          this.deps.logger.warn({ err: error, orderId: id }, "a cancelled order's stock is not given back yet; recovery will");
          throw new DomainError(
            ErrorCode.ACCEPTED_PENDING,
            "The order is cancelled; its stock is being given back and the order shows this as its pending step",
            { orderId: String(id), pendingStep: "RELEASE_STOCK" },
          );
        }
      }
      return order;
    });
  }

  private async moveStatus(id: number, status: OrderStatus): Promise<OrderWithItems> {
    // Each lost race means another move applied; after a few, the caller hears CONFLICT rather than waiting on.
    for (let attempt = 1; ; attempt++) {
      if (attempt > MOVE_ATTEMPTS) {
        throw new DomainError(ErrorCode.CONFLICT, "The order is being changed by other requests; send the same move again.", {
          retryable: true,
          retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
        });
      }
      let movedHere = false;
      const result = await this.deps.prisma.$transaction(async (tx) => {
        // Another move on this order holds its row: wait this long, not for ever, so that a queue of moves on one
        // order cannot hold the pool's connections; lock_not_available then answers CONFLICT, retryable.
        await tx.$executeRaw`SELECT set_config('lock_timeout', ${`${this.deps.lockTimeoutMs}ms`}, true)`;
        const order = await tx.order.findUnique({ where: { id }, ...IN_ONE_QUERY });
        if (!order) throw notFound("Order not found");
        assertStatusMove(order.status, status);
        if (order.status === status) return order;
        const { count } = await tx.order.updateMany({
          where: { id, status: order.status },
          data: { status, ...(status === "cancelled" ? { stockState: "release_pending" as const } : {}) },
        });
        if (count === 0) return null; // another move won the race: look again
        const change = await tx.orderStatusChange.create({ data: { orderId: id, status } });
        await recordOrderEvent(tx, {
          order,
          lines: order.items,
          oldStatus: order.status,
          newStatus: status,
          occurredAt: change.changedAt,
        });
        movedHere = true;
        return tx.order.findUniqueOrThrow({ where: { id }, ...IN_ONE_QUERY });
      });
      if (movedHere) this.deps.eventsRecorded();
      if (movedHere && status === "cancelled") this.deps.counters.cancelled.inc();
      if (result) return result;
    }
  }
}

/** Pages of orders for many users: one query for the ids of each user's page, one for the orders. */
async function loadPages(
  prisma: OrdersPrisma,
  keys: readonly { userId: number; page: OrdersPage }[],
): Promise<OrderWithItems[][]> {
  const groups = new Map<string, { page: OrdersPage; userIds: number[] }>();
  for (const { userId, page } of keys) {
    const key = `${page.first}:${page.after}`;
    const group = groups.get(key) ?? { page, userIds: [] };
    group.userIds.push(userId);
    groups.set(key, group);
  }
  const pages = new Map<string, OrderWithItems[]>();
  for (const { page, userIds } of groups.values()) {
    const ids = await prisma.$queryRaw<{ id: number }[]>`
      SELECT "id" FROM (
        SELECT "id", row_number() OVER (PARTITION BY "user_id" ORDER BY "id" DESC) AS "rank"
        FROM "orders"
        WHERE "user_id" IN (${Prisma.join(userIds)}) AND "id" < ${page.after ?? 2_147_483_647}
      ) AS "ranked"
      WHERE "rank" <= ${page.first}`;
    const orders = await prisma.order.findMany({
      where: { id: { in: ids.map((row) => row.id) } },
      ...IN_ONE_QUERY,
      orderBy: { id: "desc" },
    });
    for (const userId of userIds) {
      pages.set(
        `${userId}:${page.first}:${page.after}`,
        orders.filter((order) => order.userId === userId),
      );
    }
  }
  return keys.map(({ userId, page }) => pages.get(`${userId}:${page.first}:${page.after}`) ?? []);
}
