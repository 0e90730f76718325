import { toIntId, toIntIdOrNull } from "../../shared/ids-and-text";
import { scalarResolvers } from "../../shared/scalars";
import type { Resolvers } from "./__generated__/resolvers-types";
import { nextStatuses, pendingStepOf } from "./order-lifecycle";
import { ORDER_STATUS_VALUES } from "./order-status-values";

/** Thin: read arguments, hand over to OrderService, and point at entities other subgraphs own. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  OrderStatus: ORDER_STATUS_VALUES,
  Query: {
    order: (_root, { id }, { orders }) => orders.findById(toIntId(id)),
    ordersByUser: (_root, { userId, first, after }, { orders }) => orders.findByUser(toIntId(userId, "userId"), first, after),
  },
  Mutation: {
    createOrder: (_root, { userId, items, idempotencyKey }, { orders, viewer }) =>
      orders.create(
        userId,
        items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
        idempotencyKey,
        viewer?.userId ?? null,
      ),
    updateOrderStatus: (_root, { id, status }, { orders }) => orders.updateStatus(toIntId(id), status),
  },
  Order: {
    __resolveReference: (reference, { orders }) => {
      const id = toIntIdOrNull(reference.id);
      return id === null ? null : orders.findById(id);
    },
    user: (order) => ({ id: String(order.userId) }),
    statusHistory: (order) => order.statusChanges,
    nextStatuses: (order) => [...nextStatuses(order.status)],
    pendingStep: (order) => pendingStepOf(order.stockState),
  },
  OrderStatusChange: {
    at: (change) => change.changedAt,
  },
  OrderItem: {
    product: (item) => ({ id: String(item.productId) }),
    unitPrice: (item) => item.price,
  },
  User: {
    orders: (user, { first, after }, { orders }) => {
      const id = toIntIdOrNull(user.id);
      return id === null ? [] : orders.findByUser(id, first, after);
    },
  },
};
