import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { Kind, visit, type DocumentNode } from "graphql";
import { badInput } from "../../lib/errors";

/**
 * One check of every string a subgraph is given, in its variables or written
 * into the operation, before any resolver runs, so that no service has to
 * remember it:
 *
 * - no NUL character (PostgreSQL cannot store U+0000 in text and fails the query),
 * - no unpaired UTF-16 surrogate (not a character; it cannot be stored as UTF-8),
 * - at most MAX_STRING_LENGTH characters (the longest field, a product
 *   description; each service bounds its own fields more tightly).
 *
 * Any of these is the caller's mistake: BAD_USER_INPUT, HTTP 400.
 */
export const MAX_STRING_LENGTH = 10_000;

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string is refused, or null when it is fine. */
export function stringProblem(text: string): string | null {
  if (text.length > MAX_STRING_LENGTH) return `is longer than ${MAX_STRING_LENGTH} characters`;
  if (text.includes("\u0000")) return "contains a NUL character";
  if (UNPAIRED_SURROGATE.test(text)) return "is not valid Unicode text (unpaired surrogate)";
  return null;
}

function checkValue(value: unknown, where: string): void {
  if (typeof value === "string") {
    const problem = stringProblem(value);
    if (problem) throw refused(`${where} ${problem}`);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkValue(item, `${where}[${index}]`));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      checkValue(key, `A key in ${where}`);
      checkValue(item, `${where}.${key}`);
    }
  }
}

function checkDocument(document: DocumentNode): void {
  visit(document, {
    [Kind.STRING]: (node) => {
      const problem = stringProblem(node.value);
      if (problem) throw refused(`A string argument ${problem}`);
    },
  });
}

function refused(message: string) {
  const error = badInput(message);
  // A 400 rather than Apollo's 500 for a failure in this phase.
  error.extensions.http = { status: 400 };
  return error;
}

export function inputGuard(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          for (const [name, value] of Object.entries(request.variables ?? {})) checkValue(value, `Variable $${name}`);
          checkDocument(document);
        },
      };
    },
  };
}
