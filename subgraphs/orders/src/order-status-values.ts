/**
 * GraphQL's OrderStatus values and the database's, in one table: PENDING is
 * "pending". The resolvers hand it to Apollo, and codegen.ts to the generated
 * types, so both always agree.
 */
export const ORDER_STATUS_VALUES = {
  PENDING: "pending",
  PROCESSING: "processing",
  SHIPPED: "shipped",
  DELIVERED: "delivered",
  CANCELLED: "cancelled",
} as const;
