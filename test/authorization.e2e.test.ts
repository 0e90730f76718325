import type { DocumentNode } from "graphql";
import { GraphQLClient } from "graphql-request";
import type { OrderStatus } from "../lib/__generated__/public-api-tests/graphql";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { until } from "./support/until";
import { signUpAdmin, signUpCustomer, type Account } from "./support/accounts";
import {
  ADJUST_STOCK,
  ARCHIVE_PRODUCT,
  CREATE_ORDER,
  CREATE_PRODUCT,
  ME,
  ORDER,
  ORDER_ACROSS_SUBGRAPHS,
  ORDERS_BY_USER,
  PRODUCT,
  PRODUCTS,
  PRODUCTS_BY_TAGS,
  SEARCH_PRODUCTS,
  SEARCH_USERS,
  UPDATE_ORDER_STATUS,
  UPDATE_PRODUCT,
  USER,
  USER_WITH_ORDERS,
} from "./support/operations";
import { PLATFORM_START_TIMEOUT_MS } from "./support/rest-platform";
import { useRestPlatform } from "./support/use-platform";

/** Short here, so that the tests of a demotion or deletion wait little; production's default is 5 s. */
const ACCOUNT_CACHE_TTL_SECONDS = 1;

/** The gateway keeps an account's role up to the TTL: a change must bite by then (with a margin for a loaded machine). */
const withinAccountCacheTtl = (condition: () => Promise<boolean>) => until(condition, ACCOUNT_CACHE_TTL_SECONDS * 1000 + 2000);

/** Whether a request now fails with this code (and HTTP status, when given); false while it still succeeds. */
const failsWith = (expected: { code: string; status?: number }, request: Promise<unknown>) =>
  graphqlError(request).then(
    (error) => error.code === expected.code && (expected.status === undefined || error.status === expected.status),
    () => false,
  );

/**
 * AUTH_MODE=enforced: customer A against customer B, anonymous callers and an
 * admin, for every operation, through GraphQL and REST; and the doors around
 * the gateway (subgraph ports, identity headers).
 */
describe.each(BACKENDS)("who may do what, AUTH_MODE=enforced (%s)", (backend) => {
  const setup = useRestPlatform(
    backend,
    {},
    { authMode: "enforced", env: { ACCOUNT_CACHE_TTL_SECONDS: String(ACCOUNT_CACHE_TTL_SECONDS) } },
  );
  let admin: Account;
  let alice: Account;
  let bob: Account;
  let productId: string;
  let aliceOrder: string;
  let bobOrder: string;

  const as = (account?: Account) => setup.platform.client(account?.token);
  const bearer = (account?: Account): Record<string, string> => (account ? { authorization: `Bearer ${account.token}` } : {});
  const rest = (account: Account | undefined, method: string, path: string, body?: unknown) =>
    setup.rest("legacyGateway").call(method, path, { body, headers: bearer(account) });
  const stockOf = async (id: string) => (await as().request(PRODUCT, { id })).product!.stockQuantity;
  const placeOrder = async (account: Account, quantity = 1) =>
    (
      await as(account).request(CREATE_ORDER, {
        userId: account.id,
        items: [{ productId, quantity }],
      })
    ).createOrder.id as string;

  beforeAll(async () => {
    admin = await signUpAdmin(setup.platform, "boss");
    alice = await signUpCustomer(setup.platform, "alice");
    bob = await signUpCustomer(setup.platform, "bob");
    const { createProduct } = await as(admin).request(CREATE_PRODUCT, {
      input: { name: "Desk Lamp", price: "25.00", stockQuantity: 100, tags: ["lamp"] },
    });
    productId = createProduct.id;
    aliceOrder = await placeOrder(alice);
    bobOrder = await placeOrder(bob);
  }, PLATFORM_START_TIMEOUT_MS);

  describe("profiles", () => {
    test("a customer reads their own profile, and someone else's is as if it did not exist", async () => {
      expect((await as(alice).request(USER, { id: alice.id })).user!.email).toBe(alice.email);
      expect((await as(alice).request(ME)).me.id).toBe(alice.id);
      expect((await as(alice).request(USER, { id: bob.id })).user).toBeNull();
      expect((await as(alice).request(USER, { id: "99999" })).user).toBeNull();
      expect((await as(admin).request(USER, { id: bob.id })).user!.email).toBe(bob.email);
      expect(await graphqlError(as().request(USER, { id: bob.id }))).toMatchObject({ code: "UNAUTHENTICATED" });
    });

    test("REST: someone else's profile is 404 like a missing one; anonymous is 401", async () => {
      expect(await rest(alice, "GET", `/api/users/${bob.id}`)).toMatchObject({ status: 404, body: { error: "User not found" } });
      expect(await rest(alice, "GET", `/api/users/99999`)).toMatchObject({ status: 404, body: { error: "User not found" } });
      expect(await rest(alice, "GET", `/api/users/${alice.id}`)).toMatchObject({ status: 200, body: { email: alice.email } });
      expect(await rest(admin, "GET", `/api/users/${bob.id}`)).toMatchObject({ status: 200, body: { email: bob.email } });
      const users = setup.rest("users");
      expect(await users.call("GET", `/users/${bob.id}`, { headers: bearer(alice) })).toMatchObject({ status: 404 });
      expect(await users.get(`/users/${bob.id}`)).toMatchObject({ status: 401, body: { error: "Authentication required" } });
    });

    test("searching accounts is for admins", async () => {
      expect(await graphqlError(as(alice).request(SEARCH_USERS, { query: "bob" }))).toMatchObject({ code: "FORBIDDEN" });
      expect(await graphqlError(as().request(SEARCH_USERS, { query: "bob" }))).toMatchObject({ code: "UNAUTHENTICATED" });
      expect((await as(admin).request(SEARCH_USERS, { query: "bob" })).searchUsers.map((u) => u.id)).toEqual([bob.id]);
      expect(await rest(alice, "GET", "/api/users/search?q=bob")).toMatchObject({
        status: 403,
        body: { error: expect.any(String) },
      });
      expect(await rest(undefined, "GET", "/api/users/search?q=bob")).toMatchObject({ status: 401 });
      expect(await rest(admin, "GET", "/api/users/search?q=bob")).toMatchObject({ status: 200, body: [{ email: bob.email }] });
    });

    test("an order's user shows the customer their own email, and an admin anyone's", async () => {
      const own = await as(alice).request(ORDER_ACROSS_SUBGRAPHS, { id: aliceOrder });
      expect(own.order!.user).toEqual({ id: alice.id, username: "alice", email: alice.email });
      const byAdmin = await as(admin).request(ORDER_ACROSS_SUBGRAPHS, { id: bobOrder });
      expect(byAdmin.order!.user.email).toBe(bob.email);
      expect((await as(alice).request(ORDER_ACROSS_SUBGRAPHS, { id: bobOrder })).order).toBeNull();
    });

    test("a User entity reference for someone else resolves to nothing, even asked straight from the users subgraph", async () => {
      const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email } } }`;
      const asGatewayFor = (principal: string) =>
        new GraphQLClient(`${setup.platform.subgraphs.users.url}/graphql`, {
          headers: { "x-service-token": setup.platform.secrets.serviceToken, "x-principal": principal },
        });
      const reps = [
        { __typename: "User", id: alice.id },
        { __typename: "User", id: bob.id },
      ];
      const forAlice = await asGatewayFor(`user:${alice.id}:customer`).request(entities, { reps });
      expect(forAlice._entities).toEqual([{ id: alice.id, email: alice.email }, null]);
      const forAnonymous = await asGatewayFor("anonymous").request(entities, { reps });
      expect(forAnonymous._entities).toEqual([null, null]);
    });
  });

  describe("orders", () => {
    test("a customer sees their own orders only: someone else's is null, their list empty", async () => {
      expect((await as(alice).request(ORDER, { id: aliceOrder })).order!.user.id).toBe(alice.id);
      expect((await as(alice).request(ORDER, { id: bobOrder })).order).toBeNull();
      expect((await as(alice).request(ORDERS_BY_USER, { userId: bob.id })).ordersByUser).toEqual([]);
      expect((await as(alice).request(ORDERS_BY_USER, { userId: alice.id })).ordersByUser.map((order) => order.id)).toEqual([
        aliceOrder,
      ]);
      expect((await as(alice).request(USER_WITH_ORDERS, { id: alice.id })).user!.orders.map((order) => order.id)).toEqual([
        aliceOrder,
      ]);
      expect((await as(admin).request(ORDER, { id: bobOrder })).order!.user.id).toBe(bob.id);
      expect((await as(admin).request(ORDERS_BY_USER, { userId: bob.id })).ordersByUser.map((order) => order.id)).toEqual([
        bobOrder,
      ]);
      expect(await graphqlError(as().request(ORDER, { id: aliceOrder }))).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(await graphqlError(as().request(ORDERS_BY_USER, { userId: alice.id }))).toMatchObject({ code: "UNAUTHENTICATED" });
    });

    test("REST: someone else's order is 404, their list []; anonymous is 401", async () => {
      expect(await rest(alice, "GET", `/api/orders/${bobOrder}`)).toMatchObject({
        status: 404,
        body: { error: "Order not found" },
      });
      expect(await rest(alice, "GET", `/api/orders/${aliceOrder}`)).toMatchObject({
        status: 200,
        body: { user_id: Number(alice.id) },
      });
      expect(await rest(alice, "GET", `/api/orders/user/${bob.id}`)).toMatchObject({ status: 200, body: [] });
      expect(await rest(admin, "GET", `/api/orders/${bobOrder}`)).toMatchObject({
        status: 200,
        body: { user_id: Number(bob.id) },
      });
      expect(await rest(undefined, "GET", `/api/orders/${aliceOrder}`)).toMatchObject({ status: 401 });
      expect(await rest(undefined, "GET", `/api/orders/user/${alice.id}`)).toMatchObject({ status: 401 });
      const orders = setup.rest("orders");
      expect(await orders.call("GET", `/api/orders/${bobOrder}`, { headers: bearer(alice) })).toMatchObject({ status: 404 });
    });

    test("a customer orders only for themself; nothing is taken from the stock when refused", async () => {
      const before = await stockOf(productId);
      const forBob = { userId: bob.id, items: [{ productId, quantity: 2 }] };
      expect(await graphqlError(as(alice).request(CREATE_ORDER, forBob))).toMatchObject({ code: "FORBIDDEN" });
      expect(await graphqlError(as().request(CREATE_ORDER, forBob))).toMatchObject({ code: "UNAUTHENTICATED" });
      const restBody = { user_id: Number(bob.id), items: [{ product_id: Number(productId), quantity: 2 }] };
      expect(await rest(alice, "POST", "/api/orders", restBody)).toMatchObject({
        status: 403,
        body: { error: expect.any(String) },
      });
      expect(await rest(undefined, "POST", "/api/orders", restBody)).toMatchObject({ status: 401 });
      expect(await stockOf(productId)).toBe(before);
      // Their own, and an admin for anyone: placed.
      expect(await rest(alice, "POST", "/api/orders", { ...restBody, user_id: Number(alice.id) })).toMatchObject({ status: 201 });
      expect((await as(admin).request(CREATE_ORDER, forBob)).createOrder.user.id).toBe(bob.id);
      expect(await stockOf(productId)).toBe(before - 4);
    });

    test("a customer may cancel their own order while it can be cancelled; every other move is the admin's", async () => {
      const mine = await placeOrder(alice);
      const move = (account: Account | undefined, id: string, status: OrderStatus) =>
        as(account).request(UPDATE_ORDER_STATUS, { id, status });
      // Someone else's order: not found, whatever the move.
      expect(await graphqlError(move(alice, bobOrder, "CANCELLED"))).toMatchObject({ code: "NOT_FOUND" });
      expect(await graphqlError(move(alice, bobOrder, "SHIPPED"))).toMatchObject({ code: "NOT_FOUND" });
      expect(await graphqlError(move(alice, mine, "SHIPPED"))).toMatchObject({ code: "FORBIDDEN" });
      expect(await graphqlError(move(undefined, mine, "CANCELLED"))).toMatchObject({ code: "UNAUTHENTICATED" });
      expect((await as(admin).request(ORDER, { id: bobOrder })).order!.status).toBe("PENDING");

      expect((await move(alice, mine, "CANCELLED")).updateOrderStatus.status).toBe("CANCELLED");
      const shipped = await placeOrder(alice);
      expect((await move(admin, shipped, "SHIPPED")).updateOrderStatus.status).toBe("SHIPPED");
      expect(await graphqlError(move(alice, shipped, "CANCELLED"))).toMatchObject({ code: "ILLEGAL_STATUS_MOVE" });
    });

    test("REST: status moves answer 404 for someone else's order, 403 for a customer's non-cancel, 401 anonymously", async () => {
      const mine = await placeOrder(alice);
      const patch = (account: Account | undefined, id: string, status: string) =>
        rest(account, "PATCH", `/api/orders/${id}/status`, { status });
      expect(await patch(alice, bobOrder, "cancelled")).toMatchObject({ status: 404, body: { error: "Order not found" } });
      expect(await patch(alice, mine, "shipped")).toMatchObject({ status: 403 });
      expect(await patch(undefined, mine, "cancelled")).toMatchObject({ status: 401 });
      expect(await patch(admin, mine, "processing")).toMatchObject({ status: 200 });
      expect(await patch(alice, mine, "cancelled")).toMatchObject({ status: 200 });
    });
  });

  describe("catalogue and stock", () => {
    test("reading the catalogue needs nobody", async () => {
      expect((await as().request(PRODUCT, { id: productId })).product!.name).toBe("Desk Lamp");
      expect((await as().request(PRODUCTS, {})).products.nodes.map((p) => p.id)).toContain(productId);
      expect(await rest(undefined, "GET", `/api/products/${productId}`)).toMatchObject({ status: 200 });
      expect(await rest(undefined, "GET", "/api/products/search?q=lamp")).toMatchObject({ status: 200 });
    });

    test("catalogue and stock writes: UNAUTHENTICATED anonymously, FORBIDDEN for a customer, done for an admin", async () => {
      const writes: [string, DocumentNode, Record<string, unknown>][] = [
        ["createProduct", CREATE_PRODUCT, { input: { name: "Pirate Lamp", price: "1.00" } }],
        ["updateProduct", UPDATE_PRODUCT, { id: productId, input: { price: "0.01" } }],
        ["archiveProduct", ARCHIVE_PRODUCT, { id: productId }],
        ["adjustStock", ADJUST_STOCK, { id: productId, delta: -50 }],
      ];
      const stockBefore = await stockOf(productId);
      for (const [name, document, variables] of writes) {
        expect({ name, ...(await graphqlError(as().request(document, variables))) }).toMatchObject({
          name,
          code: "UNAUTHENTICATED",
        });
        expect({ name, ...(await graphqlError(as(alice).request(document, variables))) }).toMatchObject({
          name,
          code: "FORBIDDEN",
        });
      }
      const unchanged = (await as().request(PRODUCT, { id: productId })).product;
      expect(unchanged).toMatchObject({ price: "25.00", stockQuantity: stockBefore });
      expect((await as().request(PRODUCTS, {})).products.nodes.map((p) => p.name)).toEqual(["Desk Lamp"]);

      expect((await as(admin).request(ADJUST_STOCK, { id: productId, delta: 5 })).adjustStock.stockQuantity).toBe(
        stockBefore + 5,
      );
      const { updateProduct } = await as(admin).request(UPDATE_PRODUCT, { id: productId, input: { name: "Desk Lamp II" } });
      expect(updateProduct).toMatchObject({ name: "Desk Lamp II", price: "25.00", archivedAt: null });
    });

    test("REST catalogue writes: 401 anonymously, 403 for a customer, done for an admin", async () => {
      const body = { name: "Chair", price: 10, stock_quantity: 3 };
      expect(await rest(undefined, "POST", "/api/products", body)).toMatchObject({ status: 401 });
      expect(await rest(alice, "POST", "/api/products", body)).toMatchObject({
        status: 403,
        body: { error: "Only an admin may do this" },
      });
      const created = await rest(admin, "POST", "/api/products", body);
      expect(created.status).toBe(201);
      const stockPath = `/api/products/${created.body.product_id}/stock`;
      expect(await rest(undefined, "PATCH", stockPath, { quantity: 100_000_000 })).toMatchObject({ status: 401 });
      expect(await rest(alice, "PATCH", stockPath, { quantity: -3 })).toMatchObject({ status: 403 });
      const products = setup.rest("products");
      expect(await products.call("PATCH", stockPath, { body: { quantity: -3 }, headers: bearer(alice) })).toMatchObject({
        status: 403,
      });
      expect(await rest(admin, "PATCH", stockPath, { quantity: -3 })).toMatchObject({ status: 200 });
      expect(await stockOf(String(created.body.product_id))).toBe(0);
    });

    test("an archived product leaves listings and search and cannot be ordered, but old orders still show it", async () => {
      const { createProduct } = await as(admin).request(CREATE_PRODUCT, {
        input: { name: "Retro Kettle", price: "40.00", stockQuantity: 10, tags: ["kettle"] },
      });
      const kettle = createProduct.id;
      const { createOrder } = await as(alice).request(CREATE_ORDER, {
        userId: alice.id,
        items: [{ productId: kettle, quantity: 1 }],
      });

      const { archiveProduct } = await as(admin).request(ARCHIVE_PRODUCT, { id: kettle });
      expect(Date.parse(archiveProduct.archivedAt!)).not.toBeNaN();
      expect((await as(admin).request(ARCHIVE_PRODUCT, { id: kettle })).archiveProduct.archivedAt).toBe(
        archiveProduct.archivedAt,
      );

      expect((await as().request(PRODUCTS, { first: 100 })).products.nodes.map((p) => p.id)).not.toContain(kettle);
      expect((await as().request(SEARCH_PRODUCTS, { query: "kettle" })).searchProducts).toEqual([]);
      expect((await as().request(PRODUCTS_BY_TAGS, { tags: ["kettle"] })).productsByTags).toEqual([]);
      expect((await as().request(PRODUCT, { id: kettle })).product!.name).toBe("Retro Kettle");

      const refused = await graphqlError(
        as(alice).request(CREATE_ORDER, { userId: alice.id, items: [{ productId: kettle, quantity: 1 }] }),
      );
      expect(refused).toMatchObject({ code: "NOT_FOUND", message: `Product ${kettle} not found` });
      expect(await stockOf(kettle)).toBe(9);
      const old = await as(alice).request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id });
      expect(old.order!.items[0].product).toMatchObject({ id: kettle, name: "Retro Kettle" });
    });
  });

  describe("the doors around the gateway", () => {
    const subgraphNames = ["users", "products", "orders"] as const;
    const attempts = [
      ["a query", `{ __typename }`],
      ["_entities", `{ _entities(representations: [{ __typename: "User", id: "1" }]) { __typename } }`],
      ["_service", `{ _service { sdl } }`],
      ["a write", `mutation { createProduct(input: { name: "Sneaky", price: "1.00" }) { id } }`],
    ] as const;

    test("a subgraph port without the service credential answers 401 JSON and runs nothing; /health stays open", async () => {
      for (const name of subgraphNames) {
        const url = `${setup.platform.subgraphs[name].url}/graphql`;
        for (const [what, query] of attempts) {
          for (const headers of <Record<string, string>[]>[
            {},
            { "x-service-token": "guess", "x-principal": "service" },
            { authorization: `Bearer ${admin.token}` },
          ]) {
            const response = await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json", ...headers },
              body: JSON.stringify({ query }),
            });
            expect({ name, what, status: response.status, body: await response.json() }).toEqual({
              name,
              what,
              status: 401,
              body: {
                errors: [
                  { message: "This service only answers the platform's gateway", extensions: { code: "UNAUTHENTICATED" } },
                ],
              },
            });
          }
        }
        expect((await fetch(`${setup.platform.subgraphs[name].url}/health`)).status).toBe(200);
      }
      expect((await as().request(PRODUCTS, { first: 100 })).products.nodes.map((p) => p.name)).not.toContain("Sneaky");
    });

    test("identity headers a client sends itself are not believed by the gateway, nor passed on", async () => {
      const spoofed = {
        "x-service-token": setup.platform.secrets.serviceToken,
        "x-principal": `user:${admin.id}:admin`,
        "x-client-address": "10.9.8.7",
      };
      const anonymous = new GraphQLClient(setup.platform.gatewayUrl, { headers: spoofed });
      expect(await graphqlError(anonymous.request(SEARCH_USERS, { query: "bob" }))).toMatchObject({ code: "UNAUTHENTICATED" });
      const asAlice = new GraphQLClient(setup.platform.gatewayUrl, { headers: { ...spoofed, ...bearer(alice) } });
      expect(await graphqlError(asAlice.request(SEARCH_USERS, { query: "bob" }))).toMatchObject({ code: "FORBIDDEN" });
      expect((await asAlice.request(USER, { id: bob.id })).user).toBeNull();
      const viaRest = await setup.rest("legacyGateway").call("GET", "/api/users/search?q=bob", { headers: spoofed });
      expect(viaRest.status).toBe(401);
    });

    test("a deleted account's still-valid token stops working within the gateway's account cache TTL", async () => {
      const carol = await signUpCustomer(setup.platform, "carol");
      expect((await as(carol).request(ME)).me.id).toBe(carol.id);
      await setup.platform.subgraphs.users.database.prisma.user.delete({ where: { id: Number(carol.id) } });
      await withinAccountCacheTtl(() => failsWith({ code: "UNAUTHENTICATED", status: 401 }, as(carol).request(ME)));
      expect(await rest(carol, "GET", `/api/orders/user/${carol.id}`)).toMatchObject({ status: 401 });
    });

    test("an admin demoted on the server loses admin rights, within the TTL, with the token they already hold", async () => {
      const dave = await signUpAdmin(setup.platform, "dave");
      expect((await as(dave).request(SEARCH_USERS, { query: "bob" })).searchUsers.length).toBe(1);
      await setup.platform.subgraphs.users.database.prisma.user.update({
        where: { id: Number(dave.id) },
        data: { role: "customer" },
      });
      await withinAccountCacheTtl(() => failsWith({ code: "FORBIDDEN" }, as(dave).request(SEARCH_USERS, { query: "bob" })));
    });
  });
});

/** AUTH_MODE=open: the legacy anonymous API, with tokens still checked and honoured. */
describe.each(BACKENDS)("AUTH_MODE=open (%s)", (backend) => {
  const setup = useRestPlatform(backend);

  test("anonymous callers do what the legacy API let them; a token still says who is asking; a forged one is refused", async () => {
    expect(setup.platform.authMode).toBe("open");
    const alice = await signUpCustomer(setup.platform, "alice");
    const anonymous = setup.platform.client();
    const { createProduct } = await anonymous.request(CREATE_PRODUCT, {
      input: { name: "Lamp", price: "5.00", stockQuantity: 5 },
    });
    const { createOrder } = await anonymous.request(CREATE_ORDER, {
      userId: alice.id,
      items: [{ productId: createProduct.id, quantity: 1 }],
    });
    expect((await anonymous.request(USER, { id: alice.id })).user!.email).toBe(alice.email);
    expect((await anonymous.request(ORDER, { id: createOrder.id })).order!.user.id).toBe(alice.id);
    expect((await setup.platform.client(alice.token).request(ME)).me.id).toBe(alice.id);
    expect(await graphqlError(setup.platform.client(`${alice.token}x`).request(ME))).toMatchObject({ status: 401 });
    const forged = await setup
      .rest("users")
      .call("GET", `/users/${alice.id}`, { headers: { authorization: "Bearer forged.token.here" } });
    expect(forged).toMatchObject({ status: 401, body: { error: "Invalid or expired token" } });
  });

  test("the subgraph ports still answer only the platform", async () => {
    const response = await fetch(`${setup.platform.subgraphs.users.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(401);
  });
});
