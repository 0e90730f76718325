import fs from "node:fs";
import { parse, print, visit } from "graphql";
import { breakingChanges, printSupergraphApiSchema, readReleasedApiSchema } from "../gateway/src/api-schema";
import { SUPERGRAPH_FILE } from "../gateway/src/supergraph";

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
