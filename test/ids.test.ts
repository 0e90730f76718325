import { toIntId } from "../subgraphs/shared/ids";

describe("ids", () => {
  test("accept positive integers, refuse anything else as bad input", () => {
    expect(toIntId("42")).toBe(42);
    for (const bad of ["abc", "-1", "1.5", "99999999999", ""]) {
      expect(() => toIntId(bad)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) }),
      );
    }
  });
});
