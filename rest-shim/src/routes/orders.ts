import { ErrorCode } from "../../../lib/errors";
import type { RestOrderFragment } from "../../../lib/__generated__/public-api/graphql";
import { CREATE_ORDER, ORDER, ORDERS_BY_USER, UPDATE_ORDER_STATUS } from "../documents";
import { GatewayError } from "../../../gateway/src/gateway-client";
import { CreateOrderBody, IdempotencyKey, idempotencyKeyHeader, pathParam, StatusBody } from "../request-shapes";
import { Message, Order, OrderCreated, Orders } from "../response-shapes";
import { route, type Route } from "../routing";
import { graphqlId, graphqlStatus, restId, restMoney, toOrderVariables, toRestOrder } from "../translate";

/** The largest page ordersByUser gives. */
const ORDERS_PAGE = 100;

/** The order service's endpoints, the same on port 8003 and on the legacy gateway port. */
export const ordersRoutes: Route[] = [
  route({
    method: "POST",
    path: "/api/orders",
    summary: "Place an order, priced from the catalogue, taking the stock (GraphQL `createOrder`).",
    headers: {
      "Idempotency-Key": {
        description:
          "Makes retries safe: the same key with the same body answers as the first request and takes no more stock. Kept at least 24 hours, per user.",
        schema: IdempotencyKey,
      },
    },
    body: CreateOrderBody,
    responses: {
      201: {
        description: "Placed (or, with an Idempotency-Key already used for this body, the first answer again).",
        schema: OrderCreated,
      },
      202: {
        description:
          "Recorded, but the stock is not confirmed yet; the platform finishes or refuses it by itself. Repeat with the same Idempotency-Key to learn which.",
        schema: Message,
      },
      403: "AUTH_MODE=enforced and the caller is not the user the order is for (or an admin).",
      400: "Bad JSON, empty items, quantity < 1, `Product N not found`, `Insufficient stock for product N`, an unknown user, or a malformed Idempotency-Key.",
      422: "The Idempotency-Key was already used for a different order.",
    },
    // The legacy service answered 400 for an unknown user or product and for missing stock.
    // An Idempotency-Key header makes a retry safe (see createOrder); reusing one for another body is 422.
    statusOverrides: { [ErrorCode.NOT_FOUND]: 400, [ErrorCode.OUT_OF_STOCK]: 400 },
    async handle(req, { gateway, body }) {
      const { createOrder } = await gateway
        .request(CREATE_ORDER, { ...toOrderVariables(body), idempotencyKey: idempotencyKeyHeader(req) ?? null })
        .catch((error: unknown) => {
          // The orders subgraph names a line's fields by its index in `items` ("0.quantity"); the legacy body's words.
          if (error instanceof GatewayError && error.code === ErrorCode.BAD_USER_INPUT) {
            throw new GatewayError(error.code, error.message.replace(/\b(\d+)\.([A-Za-z_]\w*)/g, "items[$1].$2"));
          }
          throw error;
        });
      return {
        status: 201,
        body: {
          message: "Order created successfully",
          order_id: restId(createOrder.id),
          total_amount: restMoney(createOrder.totalAmount),
        },
      };
    },
  }),
  route({
    method: "GET",
    path: "/api/orders/user/:userId",
    summary: "A user's orders, newest first (GraphQL `ordersByUser`).",
    pathParams: { userId: "The user's id." },
    responses: {
      200: { description: "The orders; [] when none (with AUTH_MODE=enforced, also for another customer).", schema: Orders },
    },
    async handle(req, { gateway }) {
      // The contract answers the whole history; GraphQL gives it a page at a time.
      const userId = graphqlId(pathParam(req, "userId"));
      const orders: RestOrderFragment[] = [];
      for (;;) {
        const after = orders.length ? orders[orders.length - 1].id : null;
        const { ordersByUser } = await gateway.request(ORDERS_BY_USER, {
          userId,
          first: ORDERS_PAGE,
          after,
        });
        orders.push(...ordersByUser);
        if (ordersByUser.length < ORDERS_PAGE) break;
      }
      return { status: 200, body: orders.map(toRestOrder) };
    },
  }),
  route({
    method: "GET",
    path: "/api/orders/:id",
    summary: "One order (GraphQL `order`).",
    pathParams: { id: "The order's id." },
    responses: {
      200: { description: "The order.", schema: Order },
      404: "Order not found (with AUTH_MODE=enforced, also someone else's order, for a customer).",
    },
    async handle(req, { gateway }) {
      const { order } = await gateway.request(ORDER, { id: graphqlId(pathParam(req, "id")) });
      if (!order) return { status: 404, body: { error: "Order not found" } };
      return { status: 200, body: toRestOrder(order) };
    },
  }),
  route({
    method: "PATCH",
    path: "/api/orders/:id/status",
    summary: "Move an order along its lifecycle (GraphQL `updateOrderStatus`).",
    pathParams: { id: "The order's id." },
    body: StatusBody,
    responses: {
      200: { description: "Updated (also when the order already had this status).", schema: Message },
      202: { description: "Cancelled; its stock is being given back and comes back by itself.", schema: Message },
      400: "Bad JSON or an unknown status.",
      403: "AUTH_MODE=enforced and the caller is not an admin (a customer may only cancel their own order).",
      404: "Order not found.",
      409: "A move the order lifecycle forbids.",
    },
    async handle(req, { gateway, body: { status } }) {
      await gateway.request(UPDATE_ORDER_STATUS, { id: graphqlId(pathParam(req, "id")), status: graphqlStatus(status) });
      return { status: 200, body: { message: "Order status updated successfully" } };
    },
  }),
];
