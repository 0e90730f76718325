import { ErrorCode } from "../../../lib/errors";
import type { RestOrderFragment } from "../../../lib/__generated__/public-api/graphql";
import { CREATE_ORDER, ORDER, ORDERS_BY_USER, UPDATE_ORDER_STATUS } from "../documents";
import { CreateOrderBody, idempotencyKeyHeader, parseBody, pathParam, StatusBody } from "../request-shapes";
import type { Route } from "../routing";
import { graphqlId, graphqlStatus, restId, restMoney, toOrderVariables, toRestOrder } from "../translate";

/** The largest page ordersByUser gives. */
const ORDERS_PAGE = 100;

/** The order service's endpoints, the same on port 8003 and on the gateway-style port. */
export const ordersRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/orders",
    // The legacy service answered 400 for an unknown user or product and for missing stock.
    // An Idempotency-Key header makes a retry safe (see createOrder); reusing one for another body is 422.
    statusOverrides: { [ErrorCode.NOT_FOUND]: 400, [ErrorCode.OUT_OF_STOCK]: 400 },
    async handle(req, { gateway }) {
      const body = parseBody(CreateOrderBody, req);
      const { createOrder } = await gateway.request(CREATE_ORDER, {
        ...toOrderVariables(body),
        idempotencyKey: idempotencyKeyHeader(req) ?? null,
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
  },
  {
    method: "GET",
    path: "/api/orders/user/:userId",
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
  },
  {
    method: "GET",
    path: "/api/orders/:id",
    async handle(req, { gateway }) {
      const { order } = await gateway.request(ORDER, { id: graphqlId(pathParam(req, "id")) });
      if (!order) return { status: 404, body: { error: "Order not found" } };
      return { status: 200, body: toRestOrder(order) };
    },
  },
  {
    method: "PATCH",
    path: "/api/orders/:id/status",
    async handle(req, { gateway }) {
      const { status } = parseBody(StatusBody, req);
      await gateway.request(UPDATE_ORDER_STATUS, { id: graphqlId(pathParam(req, "id")), status: graphqlStatus(status) });
      return { status: 200, body: { message: "Order status updated successfully" } };
    },
  },
];
