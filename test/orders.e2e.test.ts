import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { BACKENDS, createTestDatabases, type TestDatabases } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { CREATE_ORDER, ORDER, ORDERS_BY_USER, PRODUCT, UPDATE_ORDER_STATUS } from "./support/operations";
import { startTestPlatform, type TestPlatform } from "./support/platform";

describe.each(BACKENDS)("orders through the gateway (%s)", (backend) => {
  let databases: TestDatabases;
  let platform: TestPlatform;
  let gql: GraphQLClient;

  beforeAll(async () => {
    databases = await createTestDatabases(backend);
    platform = await startTestPlatform(databases.configs);
    gql = platform.client();
  });
  afterAll(async () => {
    await platform?.stop();
    await databases?.drop();
  });

  const stockOf = async (id: string) => (await gql.request<any>(PRODUCT, { id })).product.stockQuantity;

  test("an order is priced from the catalogue, exactly, and takes the stock", async () => {
    const userId = await registerUser(gql);
    const dime = await createProduct(gql, { name: "Dime sticker", price: "0.10", stockQuantity: 10 });
    const { createOrder } = await gql.request<any>(CREATE_ORDER, { userId, items: [{ productId: dime, quantity: 3 }] });
    expect(createOrder).toMatchObject({
      status: "PENDING",
      totalAmount: "0.30", // 3 × 0.10, not 0.30000000000000004
      user: { id: userId },
      items: [{ quantity: 3, unitPrice: "0.10", product: { id: dime } }],
    });
    expect(await stockOf(dime)).toBe(7);
    const { order } = await gql.request<any>(ORDER, { id: createOrder.id });
    expect(order).toEqual(createOrder);
  });

  test("the unit price paid stays what it was when the order was placed", async () => {
    const userId = await registerUser(gql);
    const lamp = await createProduct(gql, { name: "Desk lamp", price: "19.99", stockQuantity: 5 });
    const cable = await createProduct(gql, { name: "Cable", price: "4.25", stockQuantity: 5 });
    const { createOrder } = await gql.request<any>(CREATE_ORDER, {
      userId,
      items: [
        { productId: lamp, quantity: 2 },
        { productId: cable, quantity: 1 },
      ],
    });
    expect(createOrder.totalAmount).toBe("44.23");
    expect(createOrder.items.map((item: any) => item.unitPrice)).toEqual(["19.99", "4.25"]);
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
    expect((await gql.request<any>(ORDERS_BY_USER, { userId })).ordersByUser).toEqual([]);
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
    expect((await gql.request<any>(ORDERS_BY_USER, { userId })).ordersByUser).toHaveLength(5);
  });

  test("status follows the lifecycle; illegal moves are refused; cancelling gives the stock back", async () => {
    const userId = await registerUser(gql);
    const widget = await createProduct(gql, { name: "Widget", price: "5.00", stockQuantity: 10 });
    const place = async () =>
      (await gql.request<any>(CREATE_ORDER, { userId, items: [{ productId: widget, quantity: 2 }] })).createOrder.id as string;
    const move = (id: string, status: string) => gql.request<any>(UPDATE_ORDER_STATUS, { id, status });

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
      ids.push((await gql.request<any>(CREATE_ORDER, { userId, items: [{ productId: item, quantity }] })).createOrder.id);
    }
    const { ordersByUser } = await gql.request<any>(ORDERS_BY_USER, { userId });
    expect(ordersByUser.map((order: any) => order.id)).toEqual([...ids].reverse());
    expect(ordersByUser.map((order: any) => order.totalAmount)).toEqual(["4.50", "3.00", "1.50"]);
  });

  test("the sweep gives back stock whose order was never recorded, and confirms stock whose order was", async () => {
    const userId = await registerUser(gql);
    const gizmo = await createProduct(gql, { name: "Gizmo", price: "3.00", stockQuantity: 20 });
    // As the orders subgraph does, with the service credential, straight to the products subgraph.
    const asOrdersService = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`, {
      headers: { "x-service-token": platform.secrets.serviceToken, "x-principal": "service" },
    });
    const reserve = (reservationId: string, quantity: number) =>
      asOrdersService.request(
        `mutation($id: ID!, $items: [StockLineInput!]!) { reserveStock(reservationId: $id, items: $items) { id } }`,
        { id: reservationId, items: [{ productId: gizmo, quantity }] },
      );

    // An order placed normally confirms its reservation: the sweep leaves it alone.
    await gql.request(CREATE_ORDER, { userId, items: [{ productId: gizmo, quantity: 1 }] });
    // The orders process died after taking stock, before recording the order.
    const orphan = crypto.randomUUID();
    await reserve(orphan, 4);
    // The orders process died after recording the order, before confirming.
    const unconfirmed = crypto.randomUUID();
    await reserve(unconfirmed, 2);
    await platform.subgraphs.orders.database.prisma.order.create({
      data: {
        userId: Number(userId),
        totalAmount: "6.00",
        stockReservationId: unconfirmed,
        items: { create: [{ productId: Number(gizmo), quantity: 2, price: "3.00" }] },
      },
    });
    expect(await stockOf(gizmo)).toBe(13);

    // Younger reservations are left alone: their order may still be being recorded.
    expect(await platform.subgraphs.orders.settleOpenReservations(3600)).toEqual({ confirmed: [], released: [] });
    expect(await platform.subgraphs.orders.settleOpenReservations(0)).toEqual({ confirmed: [unconfirmed], released: [orphan] });
    expect(await stockOf(gizmo)).toBe(17);
    expect(await platform.subgraphs.orders.settleOpenReservations(0)).toEqual({ confirmed: [], released: [] });
    expect(await stockOf(gizmo)).toBe(17);
  });
});
