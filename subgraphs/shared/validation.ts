import type { z } from "zod";
import { badInput } from "../../lib/errors";

/** Checks input against a zod schema; failures become BAD_USER_INPUT naming the fields. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join("."), problem: issue.message }));
  const summary = fields.map((f) => (f.field ? `${f.field}: ${f.problem}` : f.problem)).join("; ");
  throw badInput(`Invalid input: ${summary}`, { fields });
}

/** The most entries one list argument (`first`, `limit`) may ask for; the schema docs say the same. */
export const MAX_LIST_SIZE = 100;
/** The longest search text: full-text parsing grows faster than linearly with its length. */
export const MAX_SEARCH_LENGTH = 200;

/** A list argument between 1 and MAX_LIST_SIZE, or BAD_USER_INPUT naming it. */
export function listSize(value: number, argument: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIST_SIZE) {
    throw badInput(`${argument} must be between 1 and ${MAX_LIST_SIZE}`, { field: argument });
  }
  return value;
}

/** Search text that is not blank and at most MAX_SEARCH_LENGTH characters, or BAD_USER_INPUT. */
export function searchText(text: string): string {
  if (text.length > MAX_SEARCH_LENGTH) {
    throw badInput(`Search query must be at most ${MAX_SEARCH_LENGTH} characters`, { field: "query" });
  }
  if (!text.trim()) throw badInput("Search query must not be empty", { field: "query" });
  return text;
}
