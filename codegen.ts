import type { CodegenConfig } from "@graphql-codegen/cli";
import { ORDER_STATUS_VALUES } from "./subgraphs/orders/src/order-status-values";
import { ROLE_VALUES } from "./subgraphs/users/src/role-values";

// Resolver types generated from each subgraph's schema, so no argument or
// result interface is written by hand next to a schema that already says it.
// Mappers tie GraphQL types to the Prisma records the resolvers return.
const common = {
  federation: true,
  useIndexSignature: false,
  enumsAsTypes: true,
  scalars: {
    ID: { input: "string", output: "string | number" },
    DateTime: { input: "Date", output: "Date | string" },
    Money: {
      input: "import('@prisma/client/runtime/client').Decimal",
      output: "import('@prisma/client/runtime/client').Decimal | string",
    },
  },
};

const subgraph = (name: string, extra: Record<string, unknown>) => ({
  schema: `subgraphs/${name}/schema.graphql`,
  plugins: ["typescript", "typescript-resolvers"],
  config: { ...common, contextType: `../context#${capitalize(name)}Context`, ...extra },
});

function capitalize(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    "subgraphs/users/src/__generated__/resolvers-types.ts": subgraph("users", {
      mappers: { User: "../../../../prisma/users/generated/client/client#User as UserRecord" },
      // GraphQL's CUSTOMER is the database's "customer".
      enumValues: { Role: ROLE_VALUES },
    }),
    "subgraphs/products/src/__generated__/resolvers-types.ts": subgraph("products", {
      mappers: { Product: "../../../../prisma/products/generated/client/client#Product as ProductRecord" },
    }),
    "subgraphs/orders/src/__generated__/resolvers-types.ts": subgraph("orders", {
      mappers: {
        Order: "../order.service#OrderWithItems",
        OrderItem: "../../../../prisma/orders/generated/client/client#OrderItem as OrderItemRecord",
        OrderStatusChange: "../../../../prisma/orders/generated/client/client#OrderStatusChange as OrderStatusChangeRecord",
        OrderStatus: "../../../../prisma/orders/generated/client/client#OrderStatus as OrderStatusRecord",
        User: "../order.service#UserReference",
        Product: "../order.service#ProductReference",
      },
      // GraphQL's PENDING is the database's "pending".
      enumValues: { OrderStatus: ORDER_STATUS_VALUES },
    }),
  },
};

export default config;
