import type { Request } from "express";
import { z } from "zod";
import { RestError } from "./rest-error";
import { LEGACY_ORDER_STATUSES } from "./translate";

/**
 * The JSON shapes the legacy endpoints accept: which fields exist and their
 * JSON types, nothing more. Whether an email is valid, a price negative or a
 * quantity too large is for the subgraphs to say. Each is registered under
 * the name the OpenAPI document gives it.
 */

export const requestSchemas = z.registry<{ id: string }>();

const int = z.number().int();

export const RegisterBody = z
  .object({
    email: z.string(),
    username: z.string(),
    password: z.string(),
    full_name: z.string().nullish(),
  })
  .register(requestSchemas, { id: "RegisterRequest" });
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({ email: z.string(), password: z.string() }).register(requestSchemas, { id: "LoginRequest" });

export const CreateProductBody = z
  .object({
    name: z.string(),
    description: z.string().nullish(),
    price: z.number().meta({ description: "An exact amount with at most two fraction digits." }),
    stock_quantity: int.nullish(),
    category: z.string().nullish(),
    tags: z.array(z.string()).nullish(),
  })
  .register(requestSchemas, { id: "CreateProductRequest" });
export type CreateProductBody = z.infer<typeof CreateProductBody>;

export const StockBody = z
  .object({ quantity: int.meta({ description: "Added to the stock; negative removes." }) })
  .register(requestSchemas, { id: "StockChange" });

export const CreateOrderBody = z
  .object({
    user_id: int,
    items: z.array(z.object({ product_id: int, quantity: int })),
  })
  .register(requestSchemas, { id: "CreateOrderRequest" });
export type CreateOrderBody = z.infer<typeof CreateOrderBody>;

/** One of the legacy statuses (any case, as the old service took them), refused in REST words, not GraphQL's. */
const LEGACY_STATUSES = LEGACY_ORDER_STATUSES;
export const StatusBody = z
  .object({
    status: z
      .string()
      .refine((status) => (LEGACY_STATUSES as string[]).includes(status.toLowerCase()), {
        message: `must be one of ${LEGACY_STATUSES.join(", ")}`,
      })
      .meta({ enum: LEGACY_STATUSES }),
  })
  .register(requestSchemas, { id: "StatusChange" });

/**
 * `Idempotency-Key`: optional. Its rules (1 to 255 characters) are the orders subgraph's, which answers a key that
 * breaks them; refused here is only what a header cannot carry faithfully: anything but printable ASCII (spaces
 * are printable).
 */
export const IdempotencyKey = z.string().regex(/^[\x20-\x7e]+$/);

export function idempotencyKeyHeader(req: Request): string | undefined {
  const value = req.headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (!IdempotencyKey.safeParse(value).success) {
    throw new RestError(400, "Idempotency-Key must be printable ASCII");
  }
  return value as string;
}

/** The request's JSON body checked against a shape; a mismatch is a 400 naming the fields. */
export function parseBody<Shape extends z.ZodType>(shape: Shape, req: Request): z.infer<Shape> {
  const result = shape.safeParse(req.body ?? undefined);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length ? `${fieldPath(issue.path)}: ${issue.message}` : issue.message,
  );
  throw new RestError(400, `Invalid request body: ${problems.join("; ")}`);
}

/** A field as the legacy contract's JSON names it: `items[0].quantity`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index ? "." : ""}${String(key)}`)).join("");
}

/** One query parameter given at most once; undefined when absent. */
export function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || typeof value === "string") return value;
  throw new RestError(400, `Query parameter ${name} must be given once`);
}

/** A query parameter the endpoint cannot do without: 400 when it is absent. */
export function requiredQueryParam(req: Request, name: string): string {
  const value = queryParam(req, name);
  if (value === undefined) throw new RestError(400, `Query parameter ${name} is required`);
  return value;
}

/** Every value of a repeatable, comma-separated query parameter (`?tags=a,b&tag=c`). */
export function listQueryParam(req: Request, ...names: string[]): string[] {
  return names.flatMap((name) => {
    const value = req.query[name];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return values.filter((item): item is string => typeof item === "string").flatMap((item) => item.split(","));
  });
}

/** A named path segment (`:id`), as text; whether it is a usable id is the gateway's call. */
export function pathParam(req: Request, name: string): string {
  const value = req.params[name];
  return Array.isArray(value) ? value.join("/") : (value ?? "");
}
