/** The JSON shapes of the legacy REST API, as OpenAPI 3 component schemas. */

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const money = { type: "number", description: "An exact amount with at most two fraction digits." } as const;
const timestamp = { type: "string", format: "date-time" } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: "object",
  properties,
  required,
});

/** What a product is made of, as created and as read back. */
const productFields = {
  name: string,
  description: string,
  price: money,
  stock_quantity: integer,
  category: string,
  tags: { type: "array", items: string },
};

export const SCHEMAS = {
  Error: object({ error: string }),
  Message: object({ message: string }),

  RegisterRequest: object({ email: string, username: string, password: string, full_name: string }, [
    "email",
    "username",
    "password",
  ]),
  Registered: object({ message: string, user_id: integer }),
  LoginRequest: object({ email: string, password: string }),
  LoggedIn: object({
    token: { type: "string", description: "A JWT; send it as `Authorization: Bearer <token>`." },
    user: ref("User"),
  }),
  User: object({ id: integer, email: string, username: string, full_name: string, created_at: timestamp, updated_at: timestamp }),
  Users: { type: "array", items: ref("User") },

  CreateProductRequest: object(productFields, ["name", "price"]),
  ProductCreated: object({ message: string, product_id: integer }),
  Product: object({ id: integer, ...productFields, created_at: timestamp }),
  Products: { type: "array", items: ref("Product") },
  StockChange: object({ quantity: { type: "integer", description: "Added to the stock; negative removes." } }),

  CreateOrderRequest: object({
    user_id: integer,
    items: { type: "array", items: object({ product_id: integer, quantity: integer }) },
  }),
  OrderCreated: object({ message: string, order_id: integer, total_amount: money }),
  Order: object({
    id: integer,
    user_id: integer,
    status: { type: "string", enum: ["pending", "processing", "shipped", "delivered", "cancelled"] },
    total_amount: money,
    items: { type: "array", items: object({ id: integer, product_id: integer, quantity: integer, price: money }) },
    created_at: timestamp,
  }),
  Orders: { type: "array", items: ref("Order") },
  StatusChange: object({ status: { type: "string", enum: ["pending", "processing", "shipped", "delivered", "cancelled"] } }),

  ServiceHealth: object({ status: { type: "string", enum: ["ok", "unhealthy"] } }),
  OrderServiceHealth: object({ status: { type: "string", enum: ["healthy", "unhealthy"] }, service: string }),
  GatewayHealth: object({
    gateway: { type: "string", enum: ["healthy", "unhealthy"] },
    services: object({ "user-service": string, "product-service": string, "order-service": string }),
  }),
  Services: object({ services: object({ "user-service": string, "product-service": string, "order-service": string }) }),
  OpenApiDocument: object({ openapi: string, info: { type: "object" }, paths: { type: "object" } }),
};
