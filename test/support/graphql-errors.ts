import { ClientError } from "graphql-request";

/** The first GraphQL error of a failed request: its code and message, for assertions. */
export async function graphqlError(promise: Promise<unknown>): Promise<{ code: unknown; message: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClientError) {
      const first = error.response.errors?.[0];
      return { code: first?.extensions?.code, message: first?.message ?? "", status: error.response.status };
    }
    throw error;
  }
  throw new Error("expected the request to fail, but it succeeded");
}
