import crypto from "node:crypto";
import { Writable } from "node:stream";
import { GraphQLClient } from "graphql-request";
import { createLogger } from "../lib/logger";
import { BACKENDS } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { metricValue, scrape } from "./support/metrics";
import { CREATE_ORDER, LOGIN, UPDATE_ORDER_STATUS } from "./support/operations";
import { encodePrincipal, PRINCIPAL_HEADER, SERVICE, SERVICE_TOKEN_HEADER } from "../lib/request-identity";
import { useRestPlatform } from "./support/use-platform";

// Metrics and request logs, scraped and read after a known sequence of user actions.
describe.each(BACKENDS)("metrics and request logs (%s)", (backend) => {
  /** Every log line of every service, parsed. */
  const logLines: Record<string, unknown>[] = [];
  const collect = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  const rest = useRestPlatform(backend, {}, { loggers: (service) => createLogger(service, "info", false, collect) });

  test("business counters, GraphQL operations, subgraph fetches, HTTP routes and the database are counted", async () => {
    const { platform } = rest;
    const gql = platform.client();
    const userId = await registerUser(gql, "ada");
    for (const password of ["wrong one", "wrong two"]) {
      expect((await graphqlError(gql.request(LOGIN, { email: "ada@example.com", password }))).code).toBe("UNAUTHENTICATED");
    }
    const productId = await createProduct(gql, { name: "Kettle", price: "20.00", stockQuantity: 3 });
    const { createOrder } = await gql.request<{ createOrder: { id: string } }>(CREATE_ORDER, {
      userId,
      items: [{ productId, quantity: 2 }],
    });
    const refused = await graphqlError(gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity: 5 }] }));
    expect(refused.code).toBe("OUT_OF_STOCK");
    await gql.request(UPDATE_ORDER_STATUS, { id: createOrder.id, status: "CANCELLED" });
    // Stock held at products with no order holding it (as a crashed orders process could leave): recovery gives it back.
    const asOrdersService = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`, {
      headers: { [SERVICE_TOKEN_HEADER]: platform.secrets.serviceToken, [PRINCIPAL_HEADER]: encodePrincipal(SERVICE) },
    });
    await asOrdersService.request(
      `mutation($id: ID!, $items: [StockLineInput!]!) { reserveStock(reservationId: $id, items: $items) { id } }`,
      { id: crypto.randomUUID(), items: [{ productId, quantity: 1 }] },
    );
    expect((await platform.subgraphs.orders.recover()).releasedOrphans).toBe(1);
    expect((await rest.rest("legacyGateway").get(`/api/products/${productId}`)).status).toBe(200);

    const users = await scrape(platform.subgraphs.users.url);
    expect(metricValue(users, "shop_logins_failed_total")).toBe(2);

    const orders = await scrape(platform.subgraphs.orders.url);
    expect(metricValue(orders, "shop_orders_placed_total")).toBe(1);
    expect(metricValue(orders, "shop_orders_refused_out_of_stock_total")).toBe(1);
    expect(metricValue(orders, "shop_orders_cancelled_total")).toBe(1);
    expect(metricValue(orders, "shop_stock_reservations_released_total", { by: "recovery" })).toBe(1);
    // The gateway names the operations it sends to a subgraph after the client's.
    expect(metricValue(orders, "graphql_operations_total", { operation: "CreateOrder__orders__0", outcome: "ok" })).toBe(1);
    expect(
      metricValue(orders, "graphql_operations_total", { operation: "CreateOrder__orders__0", outcome: "OUT_OF_STOCK" }),
    ).toBe(1);
    expect(metricValue(orders, "db_query_duration_seconds_count")).toBeGreaterThan(0);
    expect(metricValue(orders, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    if (backend === "postgres") expect(metricValue(orders, "db_pool_connections", { state: "total" })).toBeGreaterThan(0);

    const gateway = await scrape(platform.gateway.url);
    expect(metricValue(gateway, "graphql_operations_total", { operation: "Login", outcome: "UNAUTHENTICATED" })).toBe(2);
    expect(metricValue(gateway, "graphql_operations_total", { operation: "CreateOrder", type: "mutation" })).toBe(2);
    // Two orders placed (one refused) and one cancelled: three fetches from the orders subgraph, one with errors.
    expect(metricValue(gateway, "gateway_subgraph_fetch_duration_seconds_count", { subgraph: "orders" })).toBe(3);
    expect(metricValue(gateway, "gateway_subgraph_fetch_duration_seconds_count", { subgraph: "orders", outcome: "errors" })).toBe(
      1,
    );
    expect(metricValue(gateway, "gateway_subgraph_fetch_duration_seconds_count", { subgraph: "users", outcome: "errors" })).toBe(
      2,
    );
    expect(
      metricValue(gateway, "http_requests_total", { route: "/graphql", method: "POST", status: "200" }),
    ).toBeGreaterThanOrEqual(7);

    // The REST ports are the gateway's process: one registry, served on its GraphQL port and on theirs.
    const restRead = { route: "/api/products/:id", method: "GET", status: "200" };
    expect(metricValue(await scrape(rest.shim.urls.legacyGateway), "http_requests_total", restRead)).toBe(1);
    expect(metricValue(await scrape(platform.gateway.url), "http_requests_total", restRead)).toBe(1);
  });

  test("one request id, taken from X-Request-Id, is returned and logged by every service the request reached", async () => {
    const requestId = `test-${crypto.randomUUID()}`;
    const userId = await registerUser(rest.platform.client(), `grace${backend}`);
    const productId = await createProduct(rest.platform.client(), { name: "Teapot", price: "9.00", stockQuantity: 10 });
    const response = await fetch(`${rest.shim.urls.legacyGateway}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ user_id: Number(userId), items: [{ product_id: Number(productId), quantity: 1 }] }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-request-id")).toBe(requestId);

    // shim → gateway → orders subgraph → users and products subgraphs (service calls) and back.
    const services = new Set(logLines.filter((line) => line.requestId === requestId).map((line) => line.service));
    // The gateway's process logs the REST request (as rest-shim); the gateway's plan runs in it with no request of its own.
    expect([...services].sort()).toEqual(["orders-subgraph", "products-subgraph", "rest-shim", "users-subgraph"]);
    const shimLine = logLines.find((line) => line.requestId === requestId && line.service === "rest-shim");
    expect(shimLine).toMatchObject({ req: { method: "POST", path: "/api/orders" }, res: { status: 201 } });
  });

  test("a request without X-Request-Id gets a new one, and a malformed one is replaced", async () => {
    const plain = await fetch(`${rest.platform.gateway.url}/health`);
    expect(plain.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await fetch(`${rest.platform.gateway.url}/health`, { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(forged.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
