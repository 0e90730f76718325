import type { ApolloServerPlugin } from "@apollo/server";
import type { ServiceMetrics } from "./metrics";

/**
 * GraphQL operations by name, type and outcome, with their duration: one
 * Apollo Server plugin shared by the gateway and the subgraphs. The outcome is
 * "ok" or the first error's code (OUT_OF_STOCK, GRAPHQL_VALIDATION_FAILED, …),
 * a small fixed set.
 */
export function graphqlMetricsPlugin(metrics: ServiceMetrics): ApolloServerPlugin {
  const labelNames = ["operation", "type", "outcome"] as const;
  const operations = metrics.counter("graphql_operations_total", "GraphQL operations, by name, type and outcome", labelNames);
  const duration = metrics.histogram("graphql_operation_duration_seconds", "Time to answer a GraphQL operation", labelNames);
  return {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ request, operation, operationName, response, errors }) {
          const resultErrors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const firstError = errors?.[0] ?? resultErrors?.[0];
          const labels = {
            operation: operationName ?? request.operationName ?? "anonymous",
            type: operation?.operation ?? "unknown",
            outcome: firstError ? String(firstError.extensions?.code ?? "INTERNAL_SERVER_ERROR") : "ok",
          };
          operations.inc(labels);
          stopTimer(labels);
        },
      };
    },
  };
}
