import { Kind } from "graphql";
import { MoneyScalar } from "../subgraphs/shared/scalars";

describe("Money scalar", () => {
  test("reads strings and numbers exactly and writes two fraction digits", () => {
    expect(MoneyScalar.serialize(MoneyScalar.parseValue(299.99))).toBe("299.99");
    expect(MoneyScalar.serialize(MoneyScalar.parseValue("0.1"))).toBe("0.10");
    expect(MoneyScalar.serialize(MoneyScalar.parseLiteral({ kind: Kind.INT, value: "5" }))).toBe("5.00");
  });
  test("refuses more than two fraction digits and non-numbers", () => {
    for (const bad of ["1.001", "abc", "", "1e3", true]) expect(() => MoneyScalar.parseValue(bad)).toThrow(/Money/);
  });
});
