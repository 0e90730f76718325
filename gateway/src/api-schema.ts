import fs from "node:fs";
import path from "node:path";
import { Supergraph } from "@apollo/federation-internals";
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema, printSchema } from "graphql";

/**
 * The API schema: what clients see through the gateway (the supergraph without
 * its join machinery and @inaccessible parts). The one last released is kept
 * in gateway/released-api-schema.graphql; test/schema-changes.test.ts fails
 * when the current one breaks it. `npm run release-api-schema` records the
 * current one as released (after a release, or when a break is intended).
 */
export const RELEASED_API_SCHEMA_FILE = path.resolve(__dirname, "..", "released-api-schema.graphql");

export function printSupergraphApiSchema(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}

/** The changes from the released API schema to the current one that would break a client (GraphQL Inspector's criticality). */
export async function breakingChanges(releasedSdl: string, currentSdl: string): Promise<Change[]> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
}

export function readReleasedApiSchema(): string {
  return fs.readFileSync(RELEASED_API_SCHEMA_FILE, "utf8");
}
