import fs from "node:fs";
import { parse, print, visit } from "graphql";
import { breakingChanges, printSupergraphApiSchema, readReleasedApiSchema } from "../gateway/src/api-schema";
import { readSubgraphSchema, SUPERGRAPH_FILE } from "../gateway/src/supergraph";
import type { SubgraphName } from "../lib/config";
import { checkedSupergraph } from "../scripts/compose-supergraph";

// The API clients see, compared with the last released one
// (gateway/released-api-schema.graphql) by GraphQL Inspector.
describe("schema changes against the last released API", () => {
  const current = printSupergraphApiSchema(fs.readFileSync(SUPERGRAPH_FILE, "utf8"));

  test("the composed supergraph breaks no client of the released API (if a break is intended: `npm run release-api-schema`)", async () => {
    const breaking = await breakingChanges(readReleasedApiSchema(), current);
    expect(breaking.map((change) => change.message)).toEqual([]);
  });

  test("the check catches what would break a client, and lets additions through", async () => {
    const released = readReleasedApiSchema();
    const withoutSearch = print(
      visit(parse(current), { FieldDefinition: (field) => (field.name.value === "searchProducts" ? null : undefined) }),
    );
    expect((await breakingChanges(released, withoutSearch)).map((change) => change.message)).toEqual([
      "Field 'searchProducts' was removed from object type 'Query'",
    ]);
    const withAddition = current.replace(/^type Query \{$/m, "type Query {\n  ping: String");
    expect(await breakingChanges(released, withAddition)).toEqual([]);
  });
});

describe("npm run compose-supergraph", () => {
  /** The subgraphs' schema files, with products' changed by `edit`. */
  const withProducts =
    (edit: (schema: string) => string) =>
    (name: SubgraphName): string =>
      name === "products" ? edit(readSubgraphSchema(name)) : readSubgraphSchema(name);

  test("composes the subgraphs as they are: the committed supergraph", async () => {
    expect(await checkedSupergraph({ breakingAnnounced: false })).toEqual({
      supergraphSdl: fs.readFileSync(SUPERGRAPH_FILE, "utf8"),
    });
  });

  test("refuses subgraphs that do not compose, saying why", async () => {
    // Query.me is users' (a User); products claiming it as a String cannot compose.
    const result = await checkedSupergraph({
      breakingAnnounced: true,
      schemaOf: withProducts((schema) => `${schema}\nextend type Query {\n  me: String\n}\n`),
    });
    expect(result).toEqual({ refused: expect.stringMatching(/^Composition failed:[\s\S]*"Query\.me"/) });
  });

  test("refuses an unannounced break of the released API, and composes an announced one", async () => {
    // The field and its doc string.
    const withoutSearch = withProducts((schema) => schema.replace(/\n\s*"""(?:(?!""")[\s\S])*"""\s*\n\s*searchProducts\(.*/, ""));
    expect(await checkedSupergraph({ breakingAnnounced: false, schemaOf: withoutSearch })).toEqual({
      refused: expect.stringContaining("Field 'searchProducts' was removed from object type 'Query'"),
    });
    const announced = await checkedSupergraph({ breakingAnnounced: true, schemaOf: withoutSearch });
    expect(announced).toEqual({ supergraphSdl: expect.not.stringContaining("searchProducts(") });
  });
});
