import fs from "node:fs";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { gql } from "graphql-tag";
import { SUBGRAPH_NAMES, type SubgraphName } from "../../lib/config";

/**
 * The supergraph is composed from the three subgraph schema files, as Rover
 * would do it, and kept in the repo (gateway/supergraph.graphql): the gateway
 * serves that file, and a test fails when it no longer matches the subgraphs.
 * The routing URLs written into it are the defaults; the gateway replaces them
 * with the configured ones at run time (see subgraph-requests.ts).
 */
export const SUPERGRAPH_FILE = path.resolve(__dirname, "..", "supergraph.graphql");

const DEFAULT_URLS: Record<SubgraphName, string> = {
  users: "http://localhost:4001/graphql",
  products: "http://localhost:4002/graphql",
  orders: "http://localhost:4003/graphql",
};

/** A subgraph's schema file, subgraphs/<name>/schema.graphql. */
export function readSubgraphSchema(name: SubgraphName): string {
  return fs.readFileSync(path.resolve(__dirname, "../../subgraphs", name, "schema.graphql"), "utf8");
}

/** Composes the subgraphs' schemas (their files unless given); throws, listing them, on composition errors. */
export function composeSupergraph(schemaOf: (name: SubgraphName) => string = readSubgraphSchema): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({ name, url: DEFAULT_URLS[name], typeDefs: gql(schemaOf(name)) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `  ${error.message}`).join("\n")}`);
  }
  return result.supergraphSdl;
}

export function readSupergraph(): string {
  if (!fs.existsSync(SUPERGRAPH_FILE)) {
    throw new Error(`${SUPERGRAPH_FILE} is missing; run \`npm run compose-supergraph\``);
  }
  return fs.readFileSync(SUPERGRAPH_FILE, "utf8");
}
