import fs from "node:fs";
import type { CodegenConfig } from "@graphql-codegen/cli";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { gql } from "graphql-tag";
import { printSchema } from "graphql";
import { printSupergraphApiSchema } from "./gateway/src/api-schema";
import { ORDER_STATUS_VALUES } from "./subgraphs/orders/src/order-status-values";
import { ROLE_VALUES } from "./subgraphs/users/src/role-values";
import { ACCOUNT_STATUS_VALUES } from "./subgraphs/users/src/account-status-values";
// The files holding each schema's documents (scripts/generate.js hashes them too).
import CLIENT_DOCUMENTS from "./scripts/client-documents.json";

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

/**
 * Typed documents for the platform's GraphQL clients: each document's result
 * and variables types come from the schema it is sent to, so `tsc` fails when
 * a document asks for a field that is not there. Documents are written with the
 * `graphql()` function of their output folder, in the files listed here.
 * Scalars as they travel in JSON.
 */
const clientDocuments = (schema: string, documents: string[]) => ({
  schema,
  documents,
  preset: "client" as const,
  presetConfig: { fragmentMasking: false },
  config: {
    enumsAsTypes: true,
    useTypeImports: true,
    scalars: { ID: "string", DateTime: "string", Money: { input: "string | number", output: "string" } },
  },
});

/** What clients see through the gateway: the supergraph's API schema (no @inaccessible parts). */
const publicApiSchema = printSupergraphApiSchema(fs.readFileSync("gateway/supergraph.graphql", "utf8"));

/** A subgraph's own schema, service-only (@inaccessible) operations included, as a service calling it sees it. */
const subgraphSchema = (name: string) =>
  printSchema(buildSubgraphSchema(gql(fs.readFileSync(`subgraphs/${name}/schema.graphql`, "utf8"))));

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    "subgraphs/users/src/__generated__/resolvers-types.ts": subgraph("users", {
      mappers: {
        User: "../../../../prisma/users/generated/client/client#User as UserRecord",
        AccountExport: "../account-export#AccountExportRecord",
      },
      // GraphQL's CUSTOMER is the database's "customer".
      enumValues: { Role: ROLE_VALUES, AccountStatus: ACCOUNT_STATUS_VALUES },
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
    "lib/__generated__/public-api/": clientDocuments(publicApiSchema, CLIENT_DOCUMENTS["public-api"]),
    // The tests' own, apart, so that the services do not carry them.
    "lib/__generated__/public-api-tests/": clientDocuments(publicApiSchema, CLIENT_DOCUMENTS["public-api-tests"]),
    "lib/__generated__/products-subgraph/": clientDocuments(subgraphSchema("products"), CLIENT_DOCUMENTS["products-subgraph"]),
    "lib/__generated__/users-subgraph/": clientDocuments(subgraphSchema("users"), CLIENT_DOCUMENTS["users-subgraph"]),
  },
};

export default config;
