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
