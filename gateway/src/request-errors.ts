import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError, Kind } from "graphql";

/**
 * A client's mistakes in a request are answered as such: HTTP 400 and a code
 * of their own, never a 500 or INTERNAL_SERVER_ERROR. Apollo Server codes most
 * of them itself (BAD_REQUEST for a malformed body or a GET mutation,
 * GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED); its uncoded persisted-query
 * refusals get theirs in lib/errors.ts. What is left is here:
 *
 * - An `operationName` the document does not define, or none for a document
 *   of several operations: OPERATION_RESOLUTION_FAILURE, Apollo's code for it,
 *   refused once the operation is resolved. Otherwise the gateway would try to
 *   plan no operation and fail with a 500.
 * - A persisted-query hash the gateway does not hold (or persisted queries
 *   turned off): Apollo answers PERSISTED_QUERY_NOT_FOUND (NOT_SUPPORTED) with
 *   200, as automatic persisted queries first specified; here 400, like every
 *   client mistake. Apollo Client's persisted-query link reads the code from a
 *   4xx body too, and sends the query with its hash (or without).
 */
const ANSWERED_400 = new Set(["PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"]);

export function clientMistakes(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
          // graphql-js's own wording for the same failure.
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : operations.length === 0
              ? "Must provide an operation."
              : "Must provide operation name if query contains multiple operations.";
          throw new GraphQLError(message, { extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } } });
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          if (errors?.some((error) => ANSWERED_400.has(String(error.extensions?.code)))) response.http.status = 400;
        },
      };
    },
  };
}
