import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode, isPublicErrorCode } from "../errors";
import { BoundedLabels, OTHER_LABEL } from "./bounded-labels";
import type { ServiceMetrics } from "./metrics";

/** Longest operation name kept in a label; longer ones are cut (they are still told apart by their start). */
export const MAX_OPERATION_LABEL_LENGTH = 64;

/**
 * GraphQL operations by name, type and outcome, with their duration: one
 * Apollo Server plugin shared by the gateway and the subgraphs. Every label
 * comes from a bounded set, since clients choose operation names: the known
 * operations (known-operations.ts) by name, up to METRICS_MAX_OPERATION_NAMES
 * others first come (cut to 64 GraphQL name characters), the rest `other`;
 * an operation name the document does not define is `other` too. The outcome
 * is "ok" or the first error's code as the client sees it (a public code,
 * else INTERNAL_SERVER_ERROR, lib/errors.ts).
 */
export function graphqlMetricsPlugin(metrics: ServiceMetrics, knownOperations: ReadonlySet<string>): ApolloServerPlugin {
  const labelNames = ["operation", "type", "outcome"] as const;
  const operations = metrics.counter("graphql_operations_total", "GraphQL operations, by name, type and outcome", labelNames);
  const duration = metrics.histogram("graphql_operation_duration_seconds", "Time to answer a GraphQL operation", labelNames);
  const names = new BoundedLabels(knownOperations, metrics.settings.maxOperationNames);
  const operationLabel = (declared: string | undefined, requested: string | null | undefined): string => {
    if (declared) return knownOperations.has(declared) ? declared : names.labelOf(asOperationLabel(declared));
    if (requested) return knownOperations.has(requested) ? requested : OTHER_LABEL;
    return "anonymous";
  };
  return {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ request, operation, operationName, response, errors }) {
          const resultErrors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const firstError = errors?.[0] ?? resultErrors?.[0];
          const labels = {
            operation: operationLabel(operation ? (operationName ?? undefined) : undefined, request.operationName),
            type: operation?.operation ?? "unknown",
            outcome: firstError ? outcomeOf(firstError.extensions?.code) : "ok",
          };
          operations.inc(labels);
          stopTimer(labels);
        },
      };
    },
  };
}

/** Cut to the label's length, and only GraphQL name characters (a document's names are already; a guard all the same). */
function asOperationLabel(name: string): string {
  return name.slice(0, MAX_OPERATION_LABEL_LENGTH).replace(/[^_0-9A-Za-z]/g, "_");
}

function outcomeOf(code: unknown): string {
  return isPublicErrorCode(code) ? String(code) : ErrorCode.INTERNAL_SERVER_ERROR;
}
