import { Kind } from "graphql";
import type { RunningGateway } from "../gateway/src/gateway";
import { MoneyScalar } from "../lib/scalars";
import { startLoneGateway } from "./support/lone-gateway";

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

describe("a Money literal through the gateway", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startLoneGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });
  const createProduct = (price: string) =>
    fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation { createProduct(input: { name: "Dime", price: ${price}, stockQuantity: 1 }) { id } }`,
      }),
    });

  test("an invalid one is refused in validation with a 400, like every other invalid operation", async () => {
    for (const bad of ['"12.345"', '"abc"', "true"]) {
      const response = await createProduct(bad);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect({ bad, status: response.status, error: body.errors[0] }).toMatchObject({
        bad,
        status: 400,
        error: { message: expect.stringMatching(/^Money must be/), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } },
      });
    }
  });

  test("a valid one passes validation (and goes on to the products subgraph)", async () => {
    const body = (await (await createProduct('"0.10"')).json()) as { errors?: { extensions: { code: string } }[] };
    expect(body.errors?.[0].extensions.code).not.toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
