// `npm run compose-supergraph`: regenerates gateway/supergraph.graphql from the three subgraph schemas, and
// refuses (exit 1, the file untouched) when they do not compose, or when the result would break a client of the
// released API (gateway/released-api-schema.graphql) and the break is not announced with `-- --breaking`
// (then `npm run release-api-schema` once clients have been told). docs/operations.md, "Schema delivery".
import fs from "node:fs";
import { breakingChanges, printSupergraphApiSchema, readReleasedApiSchema } from "../gateway/src/api-schema";
import { composeSupergraph, SUPERGRAPH_FILE } from "../gateway/src/supergraph";

/** The new supergraph, or why it may not be written. */
export async function checkedSupergraph(options: {
  breakingAnnounced: boolean;
  schemaOf?: Parameters<typeof composeSupergraph>[0];
}): Promise<{ supergraphSdl: string } | { refused: string }> {
  let supergraphSdl: string;
  try {
    supergraphSdl = composeSupergraph(options.schemaOf);
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
  if (!options.breakingAnnounced) {
    const breaking = await breakingChanges(readReleasedApiSchema(), printSupergraphApiSchema(supergraphSdl));
    if (breaking.length) {
      return {
        refused:
          `The new supergraph breaks clients of the released API:\n${breaking.map((change) => `  ${change.message}`).join("\n")}\n` +
          "If the break is intended and announced: npm run compose-supergraph -- --breaking, then npm run release-api-schema.",
      };
    }
  }
  return { supergraphSdl };
}

if (require.main === module) {
  checkedSupergraph({ breakingAnnounced: process.argv.includes("--breaking") }).then((result) => {
    if ("refused" in result) {
      console.error(result.refused);
      process.exit(1);
    }
    fs.writeFileSync(SUPERGRAPH_FILE, result.supergraphSdl);
    console.log(`wrote ${SUPERGRAPH_FILE}`);
  });
}
