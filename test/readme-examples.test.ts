import fs from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { printSupergraphApiSchema } from "../gateway/src/api-schema";
import { readmeExampleOperationNames, readmeExampleTabs } from "../gateway/src/playground-examples";
import { SUPERGRAPH_FILE } from "../gateway/src/supergraph";

/** The README's examples become the playground's tabs: each must be a valid operation of the public API. */
describe("the README's GraphQL examples", () => {
  const api = buildSchema(printSupergraphApiSchema(fs.readFileSync(SUPERGRAPH_FILE, "utf8")));
  const tabs = readmeExampleTabs();

  test("include the account operations", () => {
    const fields = tabs.map((tab) => tab.query);
    for (const name of ["UpdateProfile", "AccountExport", "CloseMyAccount", "SetRole", "DisableAccount", "CloseAccount"]) {
      expect(fields.some((query) => query.includes(` ${name} `))).toBe(true);
    }
  });

  test("name each tab differently, so a reader can pick any of them in the playground", () => {
    const names = readmeExampleOperationNames();
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect(names).toHaveLength(tabs.length);
  });

  test.each(tabs.map((tab) => [tab.query.split("\n")[0], tab.query]))("%s validates against the API schema", (_name, query) => {
    expect(validate(api, parse(query)).map((error) => error.message)).toEqual([]);
  });
});
