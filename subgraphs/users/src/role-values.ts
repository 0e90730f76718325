/**
 * GraphQL's Role values and the database's, in one table: CUSTOMER is
 * "customer". The resolvers hand it to Apollo, and codegen.ts to the generated
 * types, so both always agree.
 */
export const ROLE_VALUES = {
  CUSTOMER: "customer",
  ADMIN: "admin",
} as const;
