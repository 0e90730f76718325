import { callFailureOf } from "../../lib/graphql-client";

/** The first GraphQL error of a failed request: its code and message, for assertions (read as the platform's clients read it). */
export async function graphqlError(promise: Promise<unknown>): Promise<{ code: unknown; message: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    const failure = callFailureOf(error);
    if (failure?.kind === "answered") return { code: failure.error.code, message: failure.error.message, status: failure.status };
    if (failure?.kind === "invalid") return { code: undefined, message: "", status: failure.status };
    throw error;
  }
  throw new Error("expected the request to fail, but it succeeded");
}
