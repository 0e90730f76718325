import { Supergraph } from "@apollo/federation-internals";
import { printSchema } from "graphql";

/** The schema clients see through the gateway: the supergraph without its join machinery and @inaccessible parts. */
export function printSupergraphApiSchema(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}
