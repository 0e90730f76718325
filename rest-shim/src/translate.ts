import type {
  OrderStatus,
  RestOrderFragment,
  RestProductFragment,
  RestUserFragment,
} from "../../lib/__generated__/public-api/graphql";
import type { CreateOrderBody, CreateProductBody, RegisterBody } from "./request-shapes";

/**
 * The one place where REST and GraphQL shapes meet: snake_case on REST,
 * camelCase in GraphQL; integer ids on REST, ID strings in GraphQL; Money as
 * JSON numbers on REST, exact decimal strings in GraphQL; order statuses
 * lower-case on REST, enum values in GraphQL. No rule is decided here.
 */

/** "42" → 42. */
export const restId = (id: string): number => Number(id);

/** 42 → "42"; a path segment passes as it is, and the gateway judges it. */
export const graphqlId = (id: number | string): string => String(id);

/**
 * "1299.99" → 1299.99. The subgraphs compute money exactly and send at most two
 * fraction digits; a JSON number prints back as the same digits.
 */
export const restMoney = (amount: string): number => Number(amount);

/** "pending" → "PENDING"; whether it names a status is the gateway's call. */
export const graphqlStatus = (status: string): OrderStatus => status.toUpperCase() as OrderStatus;

export const restStatus = (status: string): string => status.toLowerCase();

/**
 * The legacy API's order statuses, in the order its documentation lists them: the public schema's OrderStatus
 * (generated type) in lower case. Keyed by that type, so tsc refuses a status the schema lacks or one left out.
 */
const ORDER_STATUSES: Record<OrderStatus, true> = {
  PENDING: true,
  PROCESSING: true,
  SHIPPED: true,
  DELIVERED: true,
  CANCELLED: true,
};
export const LEGACY_ORDER_STATUSES = (Object.keys(ORDER_STATUSES) as OrderStatus[]).map(
  (status) => status.toLowerCase() as Lowercase<OrderStatus>,
);

export const toRestUser = (user: RestUserFragment) => ({
  id: restId(user.id),
  email: user.email,
  username: user.username,
  full_name: user.fullName,
  created_at: user.createdAt,
  updated_at: user.updatedAt,
});

export const toRestProduct = (product: RestProductFragment) => ({
  id: restId(product.id),
  name: product.name,
  description: product.description,
  price: restMoney(product.price),
  stock_quantity: product.stockQuantity,
  category: product.category,
  tags: product.tags,
  created_at: product.createdAt,
});

export const toRestOrder = (order: RestOrderFragment) => ({
  id: restId(order.id),
  user_id: restId(order.user.id),
  status: restStatus(order.status),
  total_amount: restMoney(order.totalAmount),
  items: order.items.map((item) => ({
    id: restId(item.id),
    product_id: restId(item.product.id),
    quantity: item.quantity,
    price: restMoney(item.unitPrice),
  })),
  created_at: order.createdAt,
});

/** Fields left out stay out, so the schema's defaults apply. */
export const toRegisterInput = (body: RegisterBody) => ({
  email: body.email,
  username: body.username,
  password: body.password,
  ...(body.full_name !== undefined && { fullName: body.full_name }),
});

export const toCreateProductInput = (body: CreateProductBody) => ({
  name: body.name,
  // Money goes as its decimal text, so no binary float reaches the catalogue.
  price: String(body.price),
  ...(body.description !== undefined && { description: body.description }),
  ...(body.stock_quantity !== undefined && { stockQuantity: body.stock_quantity }),
  ...(body.category !== undefined && { category: body.category }),
  ...(body.tags !== undefined && { tags: body.tags }),
});

export const toOrderVariables = (body: CreateOrderBody) => ({
  userId: graphqlId(body.user_id),
  items: body.items.map((item) => ({ productId: graphqlId(item.product_id), quantity: item.quantity })),
});
