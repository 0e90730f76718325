import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import type { OrderStatus } from "../lib/__generated__/public-api-tests/graphql";
import { emptyRecoveryReport } from "../subgraphs/orders/src/placement/order-recovery";
import { BACKENDS } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { CREATE_ORDER, ORDER, ORDER_HISTORY, ORDERS_BY_USER, PRODUCT, UPDATE_ORDER_STATUS } from "./support/operations";
import { recoverFully } from "./support/recovery";
import { usePlatform } from "./support/use-platform";

describe.each(BACKENDS)("orders through the gateway (%s)", (backend) => {
  const platform = usePlatform(backend);
  let gql: GraphQLClient;

  beforeAll(async () => {
    gql = platform.client();
  });

  const stockOf = async (id: string) => (await gql.request(PRODUCT, { id })).product!.stockQuantity;

  test("an order is priced from the catalogue, exactly, and takes the stock", async () => {
    const userId = await registerUser(gql);
    const dime = await createProduct(gql, { name: "Dime sticker", price: "0.10", stockQuantity: 10 });
    const { createOrder } = await gql.request(CREATE_ORDER, { userId, items: [{ productId: dime, quantity: 3 }] });
    expect(createOrder).toMatchObject({
      status: "PENDING",
      totalAmount: "0.30", // 3 × 0.10, not 0.30000000000000004
      user: { id: userId },
      items: [{ quantity: 3, unitPrice: "0.10", product: { id: dime } }],
    });
    expect(await stockOf(dime)).toBe(7);
    const { order } = await gql.request(ORDER, { id: createOrder.id });
    expect(order).toEqual(createOrder);
  });

  test("the unit price paid stays what it was when the order was placed", async () => {
    const userId = await registerUser(gql);
    const lamp = await createProduct(gql, { name: "Desk lamp", price: "19.99", stockQuantity: 5 });
    const cable = await createProduct(gql, { name: "Cable", price: "4.25", stockQuantity: 5 });
    const { createOrder } = await gql.request(CREATE_ORDER, {
      userId,
      items: [
        { productId: lamp, quantity: 2 },
        { productId: cable, quantity: 1 },
      ],
    });
    expect(createOrder.totalAmount).toBe("44.23");
    expect(createOrder.items.map((item) => item.unitPrice)).toEqual(["19.99", "4.25"]);
  });

  test("an order that cannot be filled takes no stock at all", async () => {
    const userId = await registerUser(gql);
    const plenty = await createProduct(gql, { name: "Plenty", price: "1.00", stockQuantity: 100 });
    const scarce = await createProduct(gql, { name: "Scarce", price: "1.00", stockQuantity: 2 });
    const refused = await graphqlError(
      gql.request(CREATE_ORDER, {
        userId,
        items: [
          { productId: plenty, quantity: 10 },
          { productId: scarce, quantity: 3 },
        ],
      }),
    );
    expect(refused).toMatchObject({ code: "OUT_OF_STOCK", message: `Insufficient stock for product ${scarce}` });
    expect(await stockOf(plenty)).toBe(100);
    expect(await stockOf(scarce)).toBe(2);
    expect((await gql.request(ORDERS_BY_USER, { userId })).ordersByUser).toEqual([]);
  });

  test("orders naming unknown products or users, or no items, are refused", async () => {
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Real", price: "2.00", stockQuantity: 5 });
    expect(await graphqlError(gql.request(CREATE_ORDER, { userId, items: [{ productId: "9999", quantity: 1 }] }))).toMatchObject({
      code: "NOT_FOUND",
      message: "Product 9999 not found",
    });
    expect(
      await graphqlError(gql.request(CREATE_ORDER, { userId: "9999", items: [{ productId: product, quantity: 1 }] })),
    ).toMatchObject({
      code: "NOT_FOUND",
      message: "User 9999 not found",
    });
    expect((await graphqlError(gql.request(CREATE_ORDER, { userId, items: [] }))).code).toBe("BAD_USER_INPUT");
    expect((await graphqlError(gql.request(CREATE_ORDER, { userId, items: [{ productId: product, quantity: 0 }] }))).code).toBe(
      "BAD_USER_INPUT",
    );
    expect(await stockOf(product)).toBe(5);
  });

  test("concurrent orders never oversell and never lose stock", async () => {
    const userId = await registerUser(gql);
    const limited = await createProduct(gql, { name: "Limited edition", price: "10.00", stockQuantity: 5 });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => gql.request(CREATE_ORDER, { userId, items: [{ productId: limited, quantity: 1 }] })),
    );
    const placed = attempts.filter((attempt) => attempt.status === "fulfilled").length;
    expect(placed).toBe(5);
    expect(await stockOf(limited)).toBe(0);
    expect((await gql.request(ORDERS_BY_USER, { userId })).ordersByUser).toHaveLength(5);
  });

  test("status follows the lifecycle; illegal moves are refused; cancelling gives the stock back", async () => {
    const userId = await registerUser(gql);
    const widget = await createProduct(gql, { name: "Widget", price: "5.00", stockQuantity: 10 });
    const place = async () =>
      (await gql.request(CREATE_ORDER, { userId, items: [{ productId: widget, quantity: 2 }] })).createOrder.id as string;
    // Any text: the gateway judges it (BAD_USER_INPUT for a status that does not exist).
    const move = (id: string, status: string) => gql.request(UPDATE_ORDER_STATUS, { id, status: status as OrderStatus });

    const first = await place();
    expect((await move(first, "PROCESSING")).updateOrderStatus.status).toBe("PROCESSING");
    expect((await move(first, "SHIPPED")).updateOrderStatus.status).toBe("SHIPPED");
    expect(await graphqlError(move(first, "CANCELLED"))).toMatchObject({ code: "ILLEGAL_STATUS_MOVE" });
    expect(await graphqlError(move(first, "PENDING"))).toMatchObject({ code: "ILLEGAL_STATUS_MOVE" });
    expect((await move(first, "DELIVERED")).updateOrderStatus.status).toBe("DELIVERED");

    const second = await place(); // pending → shipped directly, as the legacy examples do
    expect((await move(second, "SHIPPED")).updateOrderStatus.status).toBe("SHIPPED");

    const third = await place();
    expect(await stockOf(widget)).toBe(4);
    expect((await move(third, "CANCELLED")).updateOrderStatus.status).toBe("CANCELLED");
    expect(await stockOf(widget)).toBe(6);
    expect((await move(third, "CANCELLED")).updateOrderStatus.status).toBe("CANCELLED"); // repeating does not give back twice
    expect(await stockOf(widget)).toBe(6);
    expect(await graphqlError(move(third, "PROCESSING"))).toMatchObject({ code: "ILLEGAL_STATUS_MOVE" });

    expect(await graphqlError(move("9999", "SHIPPED"))).toMatchObject({ code: "NOT_FOUND", message: "Order not found" });
    expect((await graphqlError(move(first, "LOST"))).code).toBe("BAD_USER_INPUT");
  });

  test("a user's orders come newest first", async () => {
    const userId = await registerUser(gql);
    const item = await createProduct(gql, { name: "Thing", price: "1.50", stockQuantity: 10 });
    const ids: string[] = [];
    for (const quantity of [1, 2, 3]) {
      ids.push((await gql.request(CREATE_ORDER, { userId, items: [{ productId: item, quantity }] })).createOrder.id);
    }
    const { ordersByUser } = await gql.request(ORDERS_BY_USER, { userId });
    expect(ordersByUser.map((order) => order.id)).toEqual([...ids].reverse());
    expect(ordersByUser.map((order) => order.totalAmount)).toEqual(["4.50", "3.00", "1.50"]);
  });

  test("recovery drives every unfinished step to its end by state, whatever its age, and only once", async () => {
    const userId = await registerUser(gql);
    const gizmo = await createProduct(gql, { name: "Gizmo", price: "3.00", stockQuantity: 20 });
    const { prisma } = platform.subgraphs.orders.database;
    // As the orders subgraph does, with the service credential, straight to the products subgraph.
    const asOrdersService = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`, {
      headers: { "x-service-token": platform.secrets.serviceToken, "x-principal": "service" },
    });
    const reserve = (reservationId: string, quantity: number) =>
      asOrdersService.request(
        `mutation($id: ID!, $items: [StockLineInput!]!) { reserveStock(reservationId: $id, items: $items) { id } }`,
        { id: reservationId, items: [{ productId: gizmo, quantity }] },
      );
    const heldAtProducts = async () =>
      (await asOrdersService.request(`{ unsettledStockReservations(first: 500) }`)).unsettledStockReservations as string[];

    // An order placed normally is settled already: recovery leaves it alone.
    await gql.request(CREATE_ORDER, { userId, items: [{ productId: gizmo, quantity: 1 }] });
    // Stock taken under an id orders never recorded (not an order's).
    const orphan = crypto.randomUUID();
    await reserve(orphan, 4);
    // The orders process died after recording the request, before reserving.
    const recorded = crypto.randomUUID();
    await prisma.orderPlacement.create({
      data: {
        reservationId: recorded,
        idempotencyScope: `user:${userId}`,
        requestHash: "0".repeat(64),
        userId: Number(userId),
        lines: [{ productId: Number(gizmo), quantity: 3 }],
      },
    });
    // The orders process died after recording the order, before confirming its reservation.
    const unconfirmed = crypto.randomUUID();
    await reserve(unconfirmed, 2);
    await prisma.order.create({
      data: {
        userId: Number(userId),
        totalAmount: "6.00",
        stockReservationId: unconfirmed,
        items: { create: [{ productId: Number(gizmo), quantity: 2, price: "3.00" }] },
        statusChanges: { create: [{ status: "pending" }] },
      },
    });
    expect(await stockOf(gizmo)).toBe(13);

    // Until nothing is unfinished, as the recovery worker would: on a loaded machine one of its calls may time out.
    expect(await recoverFully(() => platform.subgraphs.orders.recover())).toEqual({
      placed: 1,
      rejected: 0,
      confirmed: 1,
      released: 0,
      releasedOrphans: 1,
      alreadySettled: 0,
      unfinished: 0,
    });
    // 20 - 1 (normal) - 2 (unconfirmed) - 3 (recorded, now placed); the orphan's 4 came back.
    expect(await stockOf(gizmo)).toBe(14);
    expect(await heldAtProducts()).toEqual([]);
    const { ordersByUser } = await gql.request(ORDERS_BY_USER, { userId });
    expect(ordersByUser.map((order) => order.items[0].quantity).sort()).toEqual([1, 2, 3]);
    expect(ordersByUser.every((order) => order.pendingStep === null)).toBe(true);

    // Idempotent: nothing left to do, nothing given back twice.
    expect(await platform.subgraphs.orders.recover()).toEqual(emptyRecoveryReport());
    expect(await stockOf(gizmo)).toBe(14);
    // A released id can never take stock again, however late its reserve arrives.
    expect((await graphqlError(reserve(orphan, 4))).code).toBe("RESERVATION_RELEASED");
    const neverUsed = crypto.randomUUID();
    await asOrdersService.request(`mutation($id: ID!) { releaseStock(reservationId: $id) }`, { id: neverUsed });
    expect((await graphqlError(reserve(neverUsed, 1))).code).toBe("RESERVATION_RELEASED");
    expect(await stockOf(gizmo)).toBe(14);
  });

  test("an order shows its history and the moves allowed now; a user's orders come a page at a time", async () => {
    const userId = await registerUser(gql);
    const item = await createProduct(gql, { name: "Pager", price: "1.00", stockQuantity: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await gql.request(CREATE_ORDER, { userId, items: [{ productId: item, quantity: 1 }] })).createOrder.id);
    }
    await gql.request(UPDATE_ORDER_STATUS, { id: ids[0], status: "PROCESSING" });
    await gql.request(UPDATE_ORDER_STATUS, { id: ids[0], status: "PROCESSING" }); // idempotent: no second history line
    await gql.request(UPDATE_ORDER_STATUS, { id: ids[0], status: "SHIPPED" });
    const order = (await gql.request(ORDER_HISTORY, { id: ids[0] })).order!;
    expect(order.statusHistory.map((change) => change.status)).toEqual(["PENDING", "PROCESSING", "SHIPPED"]);
    const times = order.statusHistory.map((change) => Date.parse(change.at));
    expect([...times].sort()).toEqual(times);
    expect(order.nextStatuses).toEqual(["DELIVERED"]);
    expect(order.pendingStep).toBeNull();
    expect((await gql.request(ORDER_HISTORY, { id: ids[1] })).order!.nextStatuses).toEqual([
      "PROCESSING",
      "SHIPPED",
      "CANCELLED",
    ]);

    const page = async (first: number, after?: string) =>
      (await gql.request(ORDERS_BY_USER, { userId, first, after })).ordersByUser.map((o) => o.id);
    const newestFirst = [...ids].reverse();
    expect(await page(2)).toEqual(newestFirst.slice(0, 2));
    expect(await page(2, newestFirst[1])).toEqual(newestFirst.slice(2, 4));
    expect(await page(2, newestFirst[3])).toEqual(newestFirst.slice(4));
    expect((await graphqlError(gql.request(ORDERS_BY_USER, { userId, first: 101 }))).code).toBe("BAD_USER_INPUT");
    expect((await gql.request(ORDERS_BY_USER, { userId })).ordersByUser).toHaveLength(5);
  });
});
