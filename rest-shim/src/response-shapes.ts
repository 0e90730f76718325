import { z } from "zod";
import type { SubgraphName } from "../../lib/config";
import { LEGACY_ORDER_STATUSES } from "./translate";

/**
 * The JSON shapes the legacy endpoints answer with, registered under the
 * names the OpenAPI document gives them. The routes name them as their
 * responses; the tests check every real answer against the served document.
 */

export const responseSchemas = z.registry<{ id: string }>();

const int = z.number().int();
const money = z.number().meta({ description: "An exact amount with at most two fraction digits." });
const timestamp = z.string().meta({ format: "date-time" });

/** The legacy services' names, as /health and /services on port 8000 report them. */
export const SERVICE_NAMES: Record<SubgraphName, string> = {
  users: "user-service",
  products: "product-service",
  orders: "order-service",
};
const byService = <Value extends z.ZodType>(value: Value) =>
  z.object(Object.fromEntries(Object.values(SERVICE_NAMES).map((name) => [name, value])));

export const ErrorReply = z.object({ error: z.string() }).register(responseSchemas, { id: "Error" });
export const Message = z.object({ message: z.string() }).register(responseSchemas, { id: "Message" });

export const Registered = z.object({ message: z.string(), user_id: int }).register(responseSchemas, { id: "Registered" });
export const User = z
  .object({
    id: int,
    email: z.string(),
    username: z.string(),
    full_name: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .register(responseSchemas, { id: "User" });
export const LoggedIn = z
  .object({ token: z.string().meta({ description: "A JWT; send it as `Authorization: Bearer <token>`." }), user: User })
  .register(responseSchemas, { id: "LoggedIn" });
export const Users = z.array(User).register(responseSchemas, { id: "Users" });

export const ProductCreated = z
  .object({ message: z.string(), product_id: int })
  .register(responseSchemas, { id: "ProductCreated" });
export const Product = z
  .object({
    id: int,
    name: z.string(),
    description: z.string(),
    price: money,
    stock_quantity: int,
    category: z.string(),
    tags: z.array(z.string()),
    created_at: timestamp,
  })
  .register(responseSchemas, { id: "Product" });
export const Products = z.array(Product).register(responseSchemas, { id: "Products" });

export const OrderCreated = z
  .object({ message: z.string(), order_id: int, total_amount: money })
  .register(responseSchemas, { id: "OrderCreated" });
export const Order = z
  .object({
    id: int,
    user_id: int,
    status: z.enum(LEGACY_ORDER_STATUSES),
    total_amount: money,
    items: z.array(z.object({ id: int, product_id: int, quantity: int, price: money })),
    created_at: timestamp,
  })
  .register(responseSchemas, { id: "Order" });
export const Orders = z.array(Order).register(responseSchemas, { id: "Orders" });

export const ServiceHealth = z.object({ status: z.enum(["ok", "unhealthy"]) }).register(responseSchemas, { id: "ServiceHealth" });
export const OrderServiceHealth = z
  .object({ status: z.enum(["healthy", "unhealthy"]), service: z.string() })
  .register(responseSchemas, { id: "OrderServiceHealth" });
export const LegacyGatewayHealth = z
  .object({ gateway: z.enum(["healthy", "unhealthy"]), services: byService(z.enum(["healthy", "unhealthy"])) })
  .register(responseSchemas, { id: "GatewayHealth" });
export const Services = z.object({ services: byService(z.string()) }).register(responseSchemas, { id: "Services" });
export const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .register(responseSchemas, { id: "OpenApiDocument" });
