// Records the current API schema (from gateway/supergraph.graphql) as the last
// released one, gateway/released-api-schema.graphql. Run it after a release, or
// when a breaking change is intended and clients have been told.
import fs from "node:fs";
import { printSupergraphApiSchema, RELEASED_API_SCHEMA_FILE } from "../gateway/src/api-schema";
import { readSupergraph } from "../gateway/src/supergraph";

fs.writeFileSync(RELEASED_API_SCHEMA_FILE, printSupergraphApiSchema(readSupergraph()));
console.log(`wrote ${RELEASED_API_SCHEMA_FILE}`);
