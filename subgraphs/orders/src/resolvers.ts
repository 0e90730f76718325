import { DomainError, ErrorCode } from "../../../lib/errors";
import { toIntId, toIntIdOrNull } from "../../shared/ids";
import { scalarResolvers } from "../../../lib/scalars";
import type { Resolvers } from "./__generated__/resolvers-types";
import { orderPolicy } from "./order.policy";
import { nextStatuses, pendingStepOf } from "./order-lifecycle";
import { ORDER_STATUS_VALUES } from "./order-status-values";

/** Thin: read arguments, ask order.policy.ts who may, hand over to OrderService, and point at entities other subgraphs own. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  OrderStatus: ORDER_STATUS_VALUES,
  Query: {
    order: async (_root, { id }, context) => {
      orderPolicy.assertMayReadOrders(context);
      const order = await context.orders.findById(toIntId(id));
      return order && orderPolicy.mayRead(context, order) ? order : null;
    },
    ordersByUser: (_root, { userId, first, after }, context) => {
      orderPolicy.assertMayReadOrders(context);
      const id = toIntId(userId, "userId");
      return orderPolicy.mayReadOrdersOf(context, id) ? context.orders.findByUser(id, first, after) : [];
    },
  },
  // The gateway serves subscriptions itself (gateway/src/subscriptions/); here one only ever arrives by mistake.
  Subscription: {
    orderUpdated: {
      subscribe: () => {
        throw new DomainError(ErrorCode.BAD_USER_INPUT, "Subscriptions are served by the gateway, over WebSocket or SSE");
      },
    },
  },
  Mutation: {
    createOrder: (_root, { userId, items, idempotencyKey }, context) => {
      orderPolicy.assertMayOrderFor(context, toIntId(userId, "userId"));
      return context.orders.create(
        userId,
        items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
        idempotencyKey,
        context,
      );
    },
    updateOrderStatus: (_root, { id, status }, context) =>
      context.orders.updateStatus(toIntId(id), status, (order) => orderPolicy.assertMayMove(context, order, status)),
  },
  Order: {
    __resolveReference: async (reference, context) => {
      const id = toIntIdOrNull(reference.id);
      const order = id === null ? null : await context.orders.findById(id);
      return order && orderPolicy.mayRead(context, order) ? order : null;
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
    orders: (user, { first, after }, context) => {
      const id = toIntIdOrNull(user.id);
      return id === null || !orderPolicy.mayReadOrdersOf(context, id) ? [] : context.orders.findByUser(id, first, after);
    },
  },
};
