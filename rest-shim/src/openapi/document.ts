import { SCHEMAS } from "./schemas";

/**
 * The OpenAPI 3 description of each REST port, served at /openapi.json.
 * Written out by hand from the legacy contract; test/rest-openapi.e2e.test.ts
 * keeps it and the route tables (and live responses) in step.
 */

export type PortKind = "gateway" | "users" | "products" | "orders";

type Operation = Record<string, unknown> & { responses: Record<string, unknown> };
type PathItem = Partial<Record<"get" | "post" | "patch", Operation>>;

const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const reply = (description: string, schema: keyof typeof SCHEMAS) => ({
  description,
  content: { "application/json": { schema: ref(schema) } },
});
const failure = (description: string) => reply(description, "Error");
/** AUTH_MODE=enforced: the caller is signed in but may not do this (see README, "Roles"). */
const forbidden = (who: string) => failure(`AUTH_MODE=enforced and the caller is not ${who}.`);
const jsonBody = (schema: keyof typeof SCHEMAS) => ({ required: true, content: { "application/json": { schema: ref(schema) } } });
const pathId = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", pattern: "^[0-9]+$" },
});
const query = (name: string, description: string, required = true) => ({
  name,
  in: "query",
  required,
  description,
  schema: { type: "string" },
});

/** Every call may meet these. */
const COMMON_FAILURES = {
  "500": failure("An unexpected failure inside the platform (no details are given out)."),
  "401": failure(
    "The Authorization header carries an invalid or expired token, or (AUTH_MODE=enforced) there is none where the call needs a signed-in user.",
  ),
  "502": failure("The GraphQL gateway is unreachable or answered with something that is not GraphQL."),
  "503": failure("A service behind the gateway is unavailable."),
  "504": failure("The GraphQL gateway did not answer in time."),
};
/** Calls with a JSON body may also meet these. */
const BODY_FAILURES = {
  "400": failure("Malformed JSON, or a body of the wrong shape."),
  "413": failure("The body is too large."),
  "415": failure("The body is not application/json."),
};

function operation(summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}): Operation {
  const withBody = "requestBody" in extra ? BODY_FAILURES : {};
  return { summary, ...extra, responses: { ...COMMON_FAILURES, ...withBody, ...responses } };
}

const USERS = (paths: { register: string; login: string; search: string; byId: string }): Record<string, PathItem> => ({
  [paths.register]: {
    post: operation(
      "Register a user (GraphQL `register`).",
      {
        "200": reply("Registered.", "Registered"),
        "400": failure("Bad JSON or invalid fields."),
        "409": failure("User already exists."),
      },
      { requestBody: jsonBody("RegisterRequest") },
    ),
  },
  [paths.login]: {
    post: operation(
      "Exchange email and password for a JWT (GraphQL `login`).",
      {
        "200": reply("Logged in.", "LoggedIn"),
        "401": failure("Invalid credentials."),
        "429": {
          ...failure("Too many failed logins for this account or from this address; refused until the window passes."),
          headers: { "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } } },
        },
      },
      { requestBody: jsonBody("LoginRequest") },
    ),
  },
  [paths.search]: {
    get: operation(
      "Full-text search over email, username and full name (GraphQL `searchUsers`).",
      {
        "200": reply("Matching users, best first; [] when none.", "Users"),
        "400": failure("q missing or empty."),
        "403": forbidden("an admin"),
      },
      { parameters: [query("q", "Words to look for.")] },
    ),
  },
  [paths.byId]: {
    get: operation(
      "One user (GraphQL `user`).",
      {
        "200": reply("The user.", "User"),
        "400": failure("The id is not a number."),
        "404": failure("User not found (with AUTH_MODE=enforced, also someone else's profile, for a customer)."),
      },
      { parameters: [pathId("id", "The user's id.")] },
    ),
  },
});

const PRODUCTS: Record<string, PathItem> = {
  "/api/products": {
    post: operation(
      "Create a product (GraphQL `createProduct`).",
      {
        "201": reply("Created.", "ProductCreated"),
        "400": failure("Bad JSON, missing name, negative price or stock."),
        "403": forbidden("an admin"),
      },
      { requestBody: jsonBody("CreateProductRequest") },
    ),
  },
  "/api/products/search": {
    get: operation(
      "Full-text search over name and description, best first, at most 50 (GraphQL `searchProducts`).",
      { "200": reply("Matching products; [] when none.", "Products"), "400": failure("q missing or empty.") },
      { parameters: [query("q", "Words to look for.")] },
    ),
  },
  "/api/products/tags": {
    get: operation(
      "Products carrying every given tag, at most 50 (GraphQL `productsByTags`).",
      { "200": reply("Matching products; [] when none.", "Products"), "400": failure("No tag given.") },
      {
        parameters: [query("tags", "Comma-separated tags.", false), query("tag", "One tag (the older form); may repeat.", false)],
      },
    ),
  },
  "/api/products/{id}": {
    get: operation(
      "One product (GraphQL `product`).",
      {
        "200": reply("The product.", "Product"),
        "400": failure("The id is not a number."),
        "404": failure("Product not found."),
      },
      { parameters: [pathId("id", "The product's id.")] },
    ),
  },
  "/api/products/{id}/stock": {
    patch: operation(
      "Add `quantity` (negative removes) to the stock (GraphQL `adjustStock`).",
      {
        "200": reply("Updated.", "Message"),
        "400": failure("Bad JSON or a non-integer quantity."),
        "403": forbidden("an admin"),
        "404": failure("Product not found."),
        "409": failure("The stock would go below zero."),
      },
      { parameters: [pathId("id", "The product's id.")], requestBody: jsonBody("StockChange") },
    ),
  },
};

const ORDERS: Record<string, PathItem> = {
  "/api/orders": {
    post: operation(
      "Place an order, priced from the catalogue, taking the stock (GraphQL `createOrder`).",
      {
        "201": reply("Placed (or, with an Idempotency-Key already used for this body, the first answer again).", "OrderCreated"),
        "202": reply(
          "Recorded, but the stock is not confirmed yet; the platform finishes or refuses it by itself. Repeat with the same Idempotency-Key to learn which.",
          "Message",
        ),
        "403": forbidden("the user the order is for (or an admin)"),
        "400": failure(
          "Bad JSON, empty items, quantity < 1, `Product N not found`, `Insufficient stock for product N`, an unknown user, or a malformed Idempotency-Key.",
        ),
        "422": failure("The Idempotency-Key was already used for a different order."),
      },
      {
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            description:
              "Makes retries safe: the same key with the same body answers as the first request and takes no more stock. Kept at least 24 hours, per user.",
            schema: { type: "string", minLength: 1, maxLength: 255 },
          },
        ],
        requestBody: jsonBody("CreateOrderRequest"),
      },
    ),
  },
  "/api/orders/{id}": {
    get: operation(
      "One order (GraphQL `order`).",
      {
        "200": reply("The order.", "Order"),
        "400": failure("The id is not a number."),
        "404": failure("Order not found (with AUTH_MODE=enforced, also someone else's order, for a customer)."),
      },
      { parameters: [pathId("id", "The order's id.")] },
    ),
  },
  "/api/orders/user/{userId}": {
    get: operation(
      "A user's orders, newest first (GraphQL `ordersByUser`).",
      {
        "200": reply("The orders; [] when none (with AUTH_MODE=enforced, also for another customer).", "Orders"),
        "400": failure("The id is not a number."),
      },
      { parameters: [pathId("userId", "The user's id.")] },
    ),
  },
  "/api/orders/{id}/status": {
    patch: operation(
      "Move an order along its lifecycle (GraphQL `updateOrderStatus`).",
      {
        "200": reply("Updated (also when the order already had this status).", "Message"),
        "202": reply("Cancelled; its stock is being given back and comes back by itself.", "Message"),
        "400": failure("Bad JSON or an unknown status."),
        "403": forbidden("an admin (a customer may only cancel their own order)"),
        "404": failure("Order not found."),
        "409": failure("A move the order lifecycle forbids."),
      },
      { parameters: [pathId("id", "The order's id.")], requestBody: jsonBody("StatusChange") },
    ),
  },
};

const health = (schema: keyof typeof SCHEMAS, summary: string): Record<string, PathItem> => ({
  "/health": { get: operation(summary, { "200": reply("Up.", schema), "503": reply("Down.", schema) }) },
});

const OPENAPI: Record<string, PathItem> = {
  "/openapi.json": {
    get: { summary: "This document.", responses: { "200": reply("The OpenAPI document.", "OpenApiDocument") } },
  },
};

const TITLES: Record<PortKind, string> = {
  gateway: "Legacy REST API: gateway-style entry (port 8000)",
  users: "Legacy REST API: user service (port 8001)",
  products: "Legacy REST API: product service (port 8002)",
  orders: "Legacy REST API: order service (port 8003)",
};

function pathsOf(kind: PortKind): Record<string, PathItem> {
  switch (kind) {
    case "users":
      return {
        ...USERS({ register: "/register", login: "/login", search: "/users/search", byId: "/users/{id}" }),
        ...health("ServiceHealth", "User service health."),
        ...OPENAPI,
      };
    case "products":
      return { ...PRODUCTS, ...health("ServiceHealth", "Product service health."), ...OPENAPI };
    case "orders":
      return { ...ORDERS, ...health("OrderServiceHealth", "Order service health."), ...OPENAPI };
    case "gateway":
      return {
        ...USERS({
          register: "/api/users/register",
          login: "/api/users/login",
          search: "/api/users/search",
          byId: "/api/users/{id}",
        }),
        ...PRODUCTS,
        ...ORDERS,
        ...health("GatewayHealth", "The gateway and every service."),
        "/services": { get: operation("Where each service answers.", { "200": reply("The services.", "Services") }) },
        ...OPENAPI,
      };
  }
}

/** The rate limit applies to every call on the gateway-style port but the health check. */
function withRateLimit(paths: Record<string, PathItem>): Record<string, PathItem> {
  const limited = failure("Rate limit exceeded (per client address, per minute).");
  const limit = (item: PathItem): PathItem =>
    Object.fromEntries(
      Object.entries(item).map(([method, op]) => [method, { ...op, responses: { ...op.responses, "429": limited } }]),
    );
  return Object.fromEntries(Object.entries(paths).map(([path, item]) => [path, path === "/health" ? item : limit(item)]));
}

export function openApiDocument(kind: PortKind): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: {
      title: TITLES[kind],
      version: "1.0.0",
      description:
        'The legacy REST endpoints, served by the REST shim over the GraphQL gateway. Errors are `{"error": message}`; ' +
        "a known path asked with another method answers 405 with an Allow header.",
    },
    paths: kind === "gateway" ? withRateLimit(pathsOf(kind)) : pathsOf(kind),
    components: { schemas: SCHEMAS },
  };
}
