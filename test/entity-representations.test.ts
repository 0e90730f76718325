import { distinctRepresentations, spreadEntities } from "../gateway/src/entity-representations";

describe("entity representations sent to a subgraph once each", () => {
  const ada = { __typename: "User", id: "1" };
  const grace = { __typename: "User", id: "2" };

  test("repeated representations are sent once, and each place learns which one answers it", () => {
    const { distinct, distinctIndexOf } = distinctRepresentations([ada, grace, { ...ada }, ada]);
    expect(distinct).toEqual([ada, grace]);
    expect(distinctIndexOf).toEqual([0, 1, 0, 0]);
  });

  test("the answer is spread back over every place, each its own copy", () => {
    const { distinctIndexOf } = distinctRepresentations([ada, grace, ada]);
    const answer = { data: { _entities: [{ username: "ada", address: { city: "London" } }, { username: "grace" }] } };
    const spread = spreadEntities(answer, distinctIndexOf);
    const entities = spread.data!._entities;
    expect(entities).toEqual([
      { username: "ada", address: { city: "London" } },
      { username: "grace" },
      { username: "ada", address: { city: "London" } },
    ]);
    // The gateway merges later fetches into each place: one place's merge must not show up in another.
    entities[2].address.city = "Paris";
    expect(entities[0].address.city).toBe("London");
  });

  test("an error about one distinct entity is reported at every place that asked for it; other errors as they were", () => {
    const { distinctIndexOf } = distinctRepresentations([ada, grace, ada]);
    const spread = spreadEntities(
      {
        data: { _entities: [null, { username: "grace" }] },
        errors: [
          { message: "no such user", path: ["_entities", 0, "username"], extensions: { code: "NOT_FOUND" } },
          { message: "something else" },
        ],
      },
      distinctIndexOf,
    );
    expect(spread.data!._entities).toEqual([null, { username: "grace" }, null]);
    expect(spread.errors).toEqual([
      { message: "no such user", path: ["_entities", 0, "username"], extensions: { code: "NOT_FOUND" } },
      { message: "no such user", path: ["_entities", 2, "username"], extensions: { code: "NOT_FOUND" } },
      { message: "something else" },
    ]);
  });
});
