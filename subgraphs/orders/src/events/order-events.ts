import crypto from "node:crypto";
import { z } from "zod";
import { Prisma, type OrderStatus } from "../../../../prisma/orders/generated/client/client";
import { ORDER_STATUS_VALUES } from "../order-status-values";

/**
 * The order events the orders subgraph publishes (docs/events.md), defined
 * once here: the outbox stores them in this shape, the relay publishes them as
 * they are, and docs/order-event.schema.json is derived from this definition
 * (test/order-events.e2e.test.ts checks the committed file still equals it).
 */

/** What happened to the order; the last token of the subject (`orders.placed` …). */
export const ORDER_EVENT_TYPES = ["placed", "status_changed", "cancelled"] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

type ApiStatus = keyof typeof ORDER_STATUS_VALUES;
/** Statuses as the API names them (PENDING …), from the one table the GraphQL enum also uses. */
const API_STATUS_OF = Object.fromEntries(Object.entries(ORDER_STATUS_VALUES).map(([api, database]) => [database, api])) as Record<
  OrderStatus,
  ApiStatus
>;
const Status = z.enum(Object.keys(ORDER_STATUS_VALUES) as [ApiStatus, ...ApiStatus[]]);

const Money = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe('An exact decimal amount as a string, like the API\'s Money scalar ("1299.99")');

export const OrderEvent = z
  .object({
    id: z.uuid().describe("The event's id; also its JetStream message id (Nats-Msg-Id). Unique per event: deduplicate on it"),
    type: z.enum(ORDER_EVENT_TYPES).describe("What happened: the order was placed, moved to another status, or cancelled"),
    orderId: z.string().describe("The order's id, as the API's Order.id"),
    userId: z.string().describe("The id of the user the order is for, as the API's User.id"),
    lines: z
      .array(
        z.object({
          productId: z.string().describe("The product's id, as the API's Product.id"),
          quantity: z.int().min(1),
          unitPrice: Money.describe("The unit price paid, taken from the catalogue when the order was placed"),
        }),
      )
      .min(1)
      .describe("The order's lines, in the order they were placed"),
    totalAmount: Money.describe("The order's total: the sum of quantity × unitPrice"),
    oldStatus: Status.nullable().describe("The status before this event; null when the order was placed"),
    newStatus: Status.describe("The status after this event"),
    occurredAt: z.iso.datetime().describe("When the change was made (ISO 8601, UTC), as the order's statusHistory shows it"),
  })
  .meta({
    title: "OrderEvent",
    description: "An order was placed, changed status or was cancelled (published on <prefix>.<type>, see docs/events.md)",
  });
export type OrderEvent = z.infer<typeof OrderEvent>;

/** The JSON Schema of an event, derived from the definition above (docs/order-event.schema.json is this, committed). */
export function orderEventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(OrderEvent, { target: "draft-2020-12" }) as Record<string, unknown>;
}

/** What an event is made from: the order as it is after the change. */
export interface OrderEventSource {
  order: { id: number; userId: number; totalAmount: Prisma.Decimal };
  lines: { productId: number; quantity: number; price: Prisma.Decimal }[];
  oldStatus: OrderStatus | null;
  newStatus: OrderStatus;
  occurredAt: Date;
}

/** The event for a change, typed by what it did; parsed so that nothing unlike the documented shape is ever written. */
export function orderEventOf(source: OrderEventSource): OrderEvent {
  const type: OrderEventType =
    source.oldStatus === null ? "placed" : source.newStatus === "cancelled" ? "cancelled" : "status_changed";
  return OrderEvent.parse({
    id: crypto.randomUUID(),
    type,
    orderId: String(source.order.id),
    userId: String(source.order.userId),
    lines: source.lines.map((line) => ({
      productId: String(line.productId),
      quantity: line.quantity,
      unitPrice: line.price.toFixed(2),
    })),
    totalAmount: source.order.totalAmount.toFixed(2),
    oldStatus: source.oldStatus === null ? null : API_STATUS_OF[source.oldStatus],
    newStatus: API_STATUS_OF[source.newStatus],
    occurredAt: source.occurredAt.toISOString(),
  });
}

/**
 * The `placed` event of an order that the statement writing the event also
 * creates, so the order has no id yet: parsed as every event is, with
 * `orderId` left for that statement to set (the new id as text, as
 * orderEventOf writes it; the schema takes any string there).
 */
export function placedEventAwaitingOrderId(source: {
  order: { userId: number; totalAmount: Prisma.Decimal };
  lines: OrderEventSource["lines"];
  occurredAt: Date;
}): OrderEvent {
  return orderEventOf({ ...source, order: { ...source.order, id: 0 }, oldStatus: null, newStatus: "pending" });
}

/**
 * Writes the event to the outbox; call inside the transaction that makes the change, so both commit or neither.
 */
export async function recordOrderEvent(tx: Prisma.TransactionClient, source: OrderEventSource): Promise<OrderEvent> {
  const event = orderEventOf(source);
  await tx.$executeRaw(outboxInsert(event, Prisma.sql`${source.order.id}::int`, Prisma.empty, new Date()));
  return event;
}

/**
 * The one writer of outbox rows, as SQL: the event with its orderId set to `orderId`, an SQL expression over the
 * rows of `from` (empty for a known id). recordOrderEvent runs it alone; placing an order runs it inside the
 * statement that creates the order (order-placement.ts), where the new id exists only in SQL.
 */
export function outboxInsert(event: OrderEvent, orderId: Prisma.Sql, from: Prisma.Sql, createdAt: Date): Prisma.Sql {
  return Prisma.sql`INSERT INTO "order_event_outbox" ("event_id", "order_id", "type", "payload", "created_at")
    SELECT ${event.id}::uuid, ${orderId}, ${event.type}, jsonb_set(${JSON.stringify(event)}::jsonb, '{orderId}', to_jsonb((${orderId})::text)),
      ${createdAt.toISOString()}::timestamptz
    ${from}`;
}
