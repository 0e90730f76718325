// Regenerates gateway/supergraph.graphql from the three subgraph schemas.
import fs from "node:fs";
import { composeSupergraph, SUPERGRAPH_FILE } from "../gateway/src/supergraph";

fs.writeFileSync(SUPERGRAPH_FILE, composeSupergraph());
console.log(`wrote ${SUPERGRAPH_FILE}`);
