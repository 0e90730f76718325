import type { SubgraphName } from "../config";
import * as publicApi from "../__generated__/public-api/graphql";
import * as productsSubgraphApi from "../__generated__/products-subgraph/graphql";
import * as usersSubgraphApi from "../__generated__/users-subgraph/graphql";

/**
 * The operation names the platform itself sends (its typed documents,
 * scripts/client-documents.json): known, so they always get their own metrics
 * label whatever clients send (graphql-metrics.ts). The tests' documents are
 * not among them.
 */
function operationNamesIn(documents: Record<string, unknown>): string[] {
  return Object.values(documents).flatMap((document) => {
    const definitions = (document as { kind?: string; definitions?: { kind: string; name?: { value: string } }[] }).definitions;
    return (document as { kind?: string }).kind === "Document" && definitions
      ? definitions.flatMap((definition) =>
          definition.kind === "OperationDefinition" && definition.name ? [definition.name.value] : [],
        )
      : [];
  });
}

/** The REST shim's and the seed script's operations, sent to the gateway. */
export const PUBLIC_OPERATION_NAMES: readonly string[] = operationNamesIn(publicApi);

/** Sent by services straight to a subgraph (orders to products and users, the gateway's account lookup to users). */
const DIRECT_OPERATION_NAMES: Record<SubgraphName, readonly string[]> = {
  users: operationNamesIn(usersSubgraphApi),
  products: operationNamesIn(productsSubgraphApi),
  orders: [],
};

/**
 * How many fetches to one subgraph a known operation's query plan is counted
 * for by name: the gateway names each fetch `<operation>__<subgraph>__<n>`,
 * n counting the plan's fetches, and the platform's own operations make a few.
 */
const PLANNED_FETCHES_KNOWN = 10;

/**
 * The operation names a service ("gateway" or a subgraph's name) labels as known: at the gateway, the public
 * operations (plus `extra`: the playground's examples); at a subgraph, what
 * services send it directly and the gateway's fetches for the public ones.
 */
export function knownOperationNames(service: string, extra: readonly string[] = []): ReadonlySet<string> {
  if (service === "gateway") return new Set([...PUBLIC_OPERATION_NAMES, ...extra]);
  const planned = [...PUBLIC_OPERATION_NAMES, ...extra].flatMap((name) =>
    Array.from({ length: PLANNED_FETCHES_KNOWN }, (_, index) => `${name}__${service}__${index}`),
  );
  const direct = service in DIRECT_OPERATION_NAMES ? DIRECT_OPERATION_NAMES[service as SubgraphName] : [];
  return new Set([...direct, ...planned]);
}
