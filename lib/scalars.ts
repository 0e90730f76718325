import { Decimal } from "@prisma/client/runtime/client";
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/**
 * Custom scalars shared by the subgraphs (each schema declares them; federation
 * merges identical scalars).
 */

/** RFC 3339 timestamps. */
export const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime cannot represent an invalid date");
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be a string");
    return parseDateTime(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an RFC 3339 timestamp");
  return date;
}

const MONEY_PATTERN = /^-?\d{1,10}(\.\d{1,2})?$/;

/**
 * Money with two fraction digits. Sent as a string ("1299.99") so that no
 * client is forced through a binary float; accepted as a string or a number
 * (a JSON number is read from its shortest decimal form, so 299.99 is exact).
 */
export const MoneyScalar = new GraphQLScalarType({
  name: "Money",
  serialize(value) {
    return new Decimal(value as Decimal.Value).toFixed(2);
  },
  parseValue(value) {
    return parseMoney(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.FLOAT && ast.kind !== Kind.INT) {
      throw new GraphQLError("Money must be a string or a number");
    }
    return parseMoney(ast.value);
  },
});

function parseMoney(value: unknown): Decimal {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!MONEY_PATTERN.test(text)) {
    throw new GraphQLError("Money must be a decimal number with at most two fraction digits", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return new Decimal(text);
}

export const scalarResolvers = { DateTime: DateTimeScalar, Money: MoneyScalar };
