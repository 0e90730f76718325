import { BACKENDS } from "./support/databases";
import type { RestClient } from "./support/rest-client";
import { useRestPlatform } from "./support/use-platform";

/**
 * Every row of the legacy REST contract (shared/REST-CONTRACT.md), success and
 * errors, through the REST shim in front of a real platform.
 */
describe.each(BACKENDS)("the legacy REST contract (%s)", (backend) => {
  const shop = useRestPlatform(backend);
  let users: RestClient;
  let products: RestClient;
  let orders: RestClient;
  let gateway: RestClient;

  beforeAll(async () => {
    [users, products, orders, gateway] = [
      shop.rest("users"),
      shop.rest("products"),
      shop.rest("orders"),
      shop.rest("legacyGateway"),
    ];
  });

  const john = { email: "john.doe@example.com", username: "johndoe", password: "securepassword123", full_name: "John Doe" };
  const chair = {
    name: "Gaming Chair",
    description: "Ergonomic gaming chair with RGB lighting",
    price: 299.99,
    stock_quantity: 25,
    category: "Furniture",
    tags: ["gaming", "chair", "rgb", "ergonomic"],
  };
  const userShape = {
    id: expect.any(Number),
    email: expect.any(String),
    username: expect.any(String),
    full_name: expect.any(String),
    created_at: expect.any(String),
    updated_at: expect.any(String),
  };

  describe("port 8001: users", () => {
    test("POST /register: 200 with the new user's id, then 409 for a taken email or username", async () => {
      expect(await users.post("/register", john)).toMatchObject({
        status: 200,
        body: { message: "User registered successfully", user_id: 1 },
      });
      expect(await users.post("/register", { ...john, username: "other" })).toMatchObject({
        status: 409,
        body: { error: "User already exists" },
      });
      expect(await users.post("/register", { ...john, email: "other@example.com" })).toMatchObject({
        status: 409,
        body: { error: "User already exists" },
      });
    });

    test("POST /register: 400 for bad JSON, a wrong shape, or fields the users service refuses", async () => {
      expect(
        await users.call("POST", "/register", {
          body: '{"email": "x@example.com",',
          headers: { "content-type": "application/json" },
        }),
      ).toMatchObject({ status: 400, body: { error: "Invalid JSON" } });
      const noPassword = await users.post("/register", { email: "a@example.com", username: "aaa" });
      expect(noPassword.status).toBe(400);
      expect(noPassword.body.error).toMatch(/password/);
      const invalid = await users.post("/register", { email: "not-an-email", username: "x", password: "short" });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error).toMatch(/email/);
      expect(invalid.body.error).toMatch(/password/);
    });

    test("POST /login: a token and the user; 401 Invalid credentials for a wrong password or an unknown email", async () => {
      const login = await users.post("/login", { email: john.email, password: john.password });
      expect(login.status).toBe(200);
      expect(login.body.token.split(".")).toHaveLength(3);
      expect(login.body.user).toEqual({ ...userShape, id: 1, email: john.email, username: "johndoe", full_name: "John Doe" });
      expect(Date.parse(login.body.user.created_at)).not.toBeNaN();
      const wrong = await users.post("/login", { email: john.email, password: "not-the-password" });
      const unknown = await users.post("/login", { email: "nobody@example.com", password: john.password });
      expect(wrong).toMatchObject({ status: 401, body: { error: "Invalid credentials" } });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect((await users.call("POST", "/login", { body: "{", headers: { "content-type": "application/json" } })).status).toBe(
        400,
      );
    });

    test("GET /users/{id}: the user, 404 User not found, 400 for a non-numeric id", async () => {
      expect(await users.get("/users/1")).toMatchObject({ status: 200, body: { ...userShape, id: 1, username: "johndoe" } });
      expect(await users.get("/users/999")).toMatchObject({ status: 404, body: { error: "User not found" } });
      const malformed = await users.get("/users/abc");
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: expect.any(String) });
    });

    test("GET /users/search: matching users, [] for none, 400 without q", async () => {
      const found = await users.get("/users/search?q=john");
      expect(found.status).toBe(200);
      expect(found.body).toEqual([{ ...userShape, id: 1, username: "johndoe" }]);
      expect(await users.get("/users/search?q=zebra")).toMatchObject({ status: 200, body: [] });
      expect((await users.get("/users/search")).status).toBe(400);
      expect((await users.get("/users/search?q=")).status).toBe(400);
    });

    test("GET /health", async () => {
      expect(await users.get("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    });
  });

  describe("port 8002: products", () => {
    test("POST /api/products: 201 with the id; 400 for bad JSON, a missing name, a negative price or stock", async () => {
      expect(await products.post("/api/products", chair)).toMatchObject({
        status: 201,
        body: { message: "Product created successfully", product_id: 1 },
      });
      expect(
        (await products.call("POST", "/api/products", { body: "{nope}", headers: { "content-type": "application/json" } }))
          .status,
      ).toBe(400);
      const { name: _name, ...nameless } = chair;
      expect((await products.post("/api/products", nameless)).status).toBe(400);
      expect((await products.post("/api/products", { ...chair, name: "  " })).status).toBe(400);
      const negativePrice = await products.post("/api/products", { ...chair, price: -1 });
      expect(negativePrice.status).toBe(400);
      expect(negativePrice.body.error).toMatch(/price/);
      const negativeStock = await products.post("/api/products", { ...chair, stock_quantity: -5 });
      expect(negativeStock.status).toBe(400);
      expect(negativeStock.body.error).toMatch(/stock/i);
    });

    test("GET /api/products/{id}: the product with exact money; 404 Product not found; 400 non-numeric", async () => {
      const product = await products.get("/api/products/1");
      expect(product.status).toBe(200);
      expect(product.body).toEqual({ id: 1, ...chair, created_at: expect.any(String) });
      expect(await products.get("/api/products/999")).toMatchObject({ status: 404, body: { error: "Product not found" } });
      expect((await products.get("/api/products/abc")).status).toBe(400);
    });

    test("GET /api/products/search: English stemming, best first; 400 without q", async () => {
      await products.post("/api/products", {
        name: "Office Desk",
        description: "A desk for chairs to stand at",
        price: 150,
        stock_quantity: 3,
        category: "Furniture",
        tags: ["desk"],
      });
      const found = await products.get("/api/products/search?q=chairs");
      expect(found.status).toBe(200);
      expect(found.body.map((p: any) => p.name)).toEqual(["Gaming Chair", "Office Desk"]);
      expect(await products.get("/api/products/search?q=zebra")).toMatchObject({ status: 200, body: [] });
      expect((await products.get("/api/products/search")).status).toBe(400);
    });

    test("GET /api/products/tags: ?tags=a,b and ?tag=a; [] for none; 400 with no tag", async () => {
      const both = await products.get("/api/products/tags?tags=gaming,chair");
      expect(both.status).toBe(200);
      expect(both.body.map((p: any) => p.id)).toEqual([1]);
      expect((await products.get("/api/products/tags?tag=desk")).body.map((p: any) => p.name)).toEqual(["Office Desk"]);
      expect(await products.get("/api/products/tags?tags=gaming,desk")).toMatchObject({ status: 200, body: [] });
      expect((await products.get("/api/products/tags")).status).toBe(400);
    });

    test("PATCH /api/products/{id}/stock: a delta; 409 below zero; 404 unknown; 400 bad JSON", async () => {
      expect(await products.patch("/api/products/1/stock", { quantity: 5 })).toMatchObject({
        status: 200,
        body: { message: "Stock updated successfully" },
      });
      expect((await products.get("/api/products/1")).body.stock_quantity).toBe(30);
      expect(await products.patch("/api/products/1/stock", { quantity: -10 })).toMatchObject({ status: 200 });
      expect((await products.get("/api/products/1")).body.stock_quantity).toBe(20);
      expect(await products.patch("/api/products/1/stock", { quantity: -21 })).toMatchObject({
        status: 409,
        body: { error: "Insufficient stock for product 1" },
      });
      expect((await products.get("/api/products/1")).body.stock_quantity).toBe(20);
      expect(await products.patch("/api/products/999/stock", { quantity: 1 })).toMatchObject({
        status: 404,
        body: { error: "Product not found" },
      });
      expect(
        (
          await products.call("PATCH", "/api/products/1/stock", {
            body: "quantity=1",
            headers: { "content-type": "application/json" },
          })
        ).status,
      ).toBe(400);
      expect((await products.patch("/api/products/1/stock", { quantity: "lots" })).status).toBe(400);
    });

    test("GET /health", async () => {
      expect(await products.get("/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    });
  });

  describe("port 8003: orders", () => {
    test("POST /api/orders: priced from the catalogue, stock taken, exact total", async () => {
      const placed = await orders.post("/api/orders", { user_id: 1, items: [{ product_id: 1, quantity: 2 }] });
      expect(placed).toMatchObject({
        status: 201,
        body: { message: "Order created successfully", order_id: 1, total_amount: 599.98 },
      });
      expect((await products.get("/api/products/1")).body.stock_quantity).toBe(18);

      await products.post("/api/products", { name: "Dime", price: 0.1, stock_quantity: 10 });
      const dimes = await orders.post("/api/orders", { user_id: 1, items: [{ product_id: 3, quantity: 3 }] });
      expect(dimes.body.total_amount).toBe(0.3); // not 0.30000000000000004
    });

    test("POST /api/orders: 400 for an unknown product, missing stock, no items, quantity < 1, an unknown user", async () => {
      const attempt = (body: unknown) => orders.post("/api/orders", body);
      expect(await attempt({ user_id: 1, items: [{ product_id: 999, quantity: 1 }] })).toMatchObject({
        status: 400,
        body: { error: "Product 999 not found" },
      });
      expect(await attempt({ user_id: 1, items: [{ product_id: 1, quantity: 1000 }] })).toMatchObject({
        status: 400,
        body: { error: "Insufficient stock for product 1" },
      });
      expect((await attempt({ user_id: 1, items: [] })).status).toBe(400);
      // The line named as the legacy body names it, not by GraphQL's index path ("0.quantity").
      const zero = await attempt({ user_id: 1, items: [{ product_id: 1, quantity: 0 }] });
      expect(zero.status).toBe(400);
      expect(zero.body.error).toMatch(/items\[0\]\.quantity/);
      expect(zero.body.error).not.toMatch(/(^|[^[])0\.quantity/);
      expect(await attempt({ user_id: 999, items: [{ product_id: 1, quantity: 1 }] })).toMatchObject({
        status: 400,
        body: { error: "User 999 not found" },
      });
      expect((await attempt({ user_id: "one", items: [] })).status).toBe(400);
      expect(
        (await orders.call("POST", "/api/orders", { body: "{", headers: { "content-type": "application/json" } })).status,
      ).toBe(400);
      // None of the refused orders took stock.
      expect((await products.get("/api/products/1")).body.stock_quantity).toBe(18);
    });

    test("GET /api/orders/{id}: the order; 404 Order not found; 400 non-numeric", async () => {
      const order = await orders.get("/api/orders/1");
      expect(order.status).toBe(200);
      expect(order.body).toEqual({
        id: 1,
        user_id: 1,
        status: "pending",
        total_amount: 599.98,
        items: [{ id: expect.any(Number), product_id: 1, quantity: 2, price: 299.99 }],
        created_at: expect.any(String),
      });
      expect(await orders.get("/api/orders/999")).toMatchObject({ status: 404, body: { error: "Order not found" } });
      expect((await orders.get("/api/orders/abc")).status).toBe(400);
    });

    test("GET /api/orders/user/{user_id}: newest first; [] for none", async () => {
      const mine = await orders.get("/api/orders/user/1");
      expect(mine.status).toBe(200);
      expect(mine.body.map((o: any) => o.id)).toEqual([2, 1]);
      expect(await orders.get("/api/orders/user/42")).toMatchObject({ status: 200, body: [] });
      expect((await orders.get("/api/orders/user/abc")).status).toBe(400);
    });

    test("PATCH /api/orders/{id}/status: moves along the lifecycle; 400 unknown status; 409 forbidden move; 404 unknown order", async () => {
      expect(await orders.patch("/api/orders/1/status", { status: "processing" })).toMatchObject({
        status: 200,
        body: { message: "Order status updated successfully" },
      });
      expect((await orders.get("/api/orders/1")).body.status).toBe("processing");
      // In REST words: the legacy field and the allowed values, not GraphQL's "Variable "$status" got invalid value".
      expect(await orders.patch("/api/orders/1/status", { status: "teleported" })).toMatchObject({
        status: 400,
        body: { error: "Invalid request body: status: must be one of pending, processing, shipped, delivered, cancelled" },
      });
      expect((await orders.patch("/api/orders/1/status", { status: 7 })).status).toBe(400);
      const backwards = await orders.patch("/api/orders/1/status", { status: "pending" });
      expect(backwards.status).toBe(409);
      expect(backwards.body.error).toMatch(/processing/);
      expect(await orders.patch("/api/orders/999/status", { status: "shipped" })).toMatchObject({
        status: 404,
        body: { error: "Order not found" },
      });
      expect(await orders.patch("/api/orders/2/status", { status: "shipped" })).toMatchObject({ status: 200 });
      expect((await orders.get("/api/orders/2")).body.status).toBe("shipped");
    });

    test("GET /health", async () => {
      expect(await orders.get("/health")).toMatchObject({ status: 200, body: { status: "healthy", service: "order-service" } });
    });
  });

  describe("port 8000: the gateway-style entry", () => {
    test("the user calls answer under /api/users", async () => {
      const jane = { email: "jane.smith@example.com", username: "janesmith", password: "mypassword456", full_name: "Jane Smith" };
      const registered = await gateway.post("/api/users/register", jane);
      // Increasing, though not gap-free: the refused registrations above may have used up ids.
      expect(registered).toMatchObject({
        status: 200,
        body: { message: "User registered successfully", user_id: expect.any(Number) },
      });
      const id = registered.body.user_id;
      expect(id).toBeGreaterThan(1);
      expect(await gateway.post("/api/users/register", jane)).toMatchObject({
        status: 409,
        body: { error: "User already exists" },
      });
      expect((await gateway.post("/api/users/login", { email: jane.email, password: jane.password })).body.user.id).toBe(id);
      expect((await gateway.post("/api/users/login", { email: jane.email, password: "wrong-password" })).status).toBe(401);
      expect(await gateway.get(`/api/users/${id}`)).toMatchObject({ status: 200, body: { id, username: "janesmith" } });
      expect((await gateway.get("/api/users/search?q=jane")).body.map((u: any) => u.id)).toEqual([id]);
      expect(await gateway.get("/api/users/999")).toMatchObject({ status: 404, body: { error: "User not found" } });
    });

    test("the product and order calls answer as on their own ports", async () => {
      const [viaGateway, direct] = [await gateway.get("/api/products/1"), await products.get("/api/products/1")];
      expect([viaGateway.status, viaGateway.body]).toEqual([direct.status, direct.body]);
      expect((await gateway.get("/api/orders/1")).body).toEqual((await orders.get("/api/orders/1")).body);
      expect(await gateway.post("/api/orders", { user_id: 1, items: [{ product_id: 999, quantity: 1 }] })).toMatchObject({
        status: 400,
        body: { error: "Product 999 not found" },
      });
      expect(await gateway.patch("/api/products/1/stock", { quantity: -1000 })).toMatchObject({ status: 409 });
    });

    test("GET /health and GET /services", async () => {
      expect(await gateway.get("/health")).toMatchObject({
        status: 200,
        body: {
          gateway: "healthy",
          services: { "user-service": "healthy", "product-service": "healthy", "order-service": "healthy" },
        },
      });
      expect(await gateway.get("/services")).toMatchObject({
        status: 200,
        body: {
          services: {
            "user-service": shop.shim.urls.users,
            "product-service": shop.shim.urls.products,
            "order-service": shop.shim.urls.orders,
          },
        },
      });
    });

    test("the caller's bearer token goes to the gateway, which refuses a forged one", async () => {
      const forged = await gateway.call("GET", "/api/users/1", {
        headers: { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad" },
      });
      expect(forged).toMatchObject({ status: 401, body: { error: "Invalid or expired token" } });
      const { token } = (await users.post("/login", { email: john.email, password: john.password })).body;
      expect((await gateway.call("GET", "/api/users/1", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    });
  });
});
