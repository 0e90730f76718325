import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";

/**
 * Apollo Gateway asks a subgraph for an entity once per place it appears in
 * the answer: twenty orders of one buyer are twenty `User` representations,
 * sixty order lines over five products sixty `Product` ones. The subgraph then
 * resolves, serialises and sends each of them. Here each distinct
 * representation is sent once, and the answer is spread back over the places
 * that asked for it (a copy for each when it holds objects, so that later
 * merges into one place do not change another; the gateway copies plain
 * fields itself), errors included: what the gateway receives is what the
 * subgraph would have answered to the full list.
 */
export interface DistinctRepresentations {
  distinct: unknown[];
  /** For each representation the gateway asked for, the index of its distinct one. */
  distinctIndexOf: number[];
}

export function distinctRepresentations(representations: unknown[]): DistinctRepresentations {
  const indexByKey = new Map<string, number>();
  const distinct: unknown[] = [];
  const distinctIndexOf = representations.map((representation) => {
    // Representations are plain JSON built by the gateway in a stable field order.
    const key = JSON.stringify(representation);
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = distinct.push(representation) - 1;
      indexByKey.set(key, index);
    }
    return index;
  });
  return { distinct, distinctIndexOf };
}

/** The subgraph's answer to the distinct representations, as its answer to all of them would read. */
export function spreadEntities(response: GatewayGraphQLResponse, distinctIndexOf: number[]): GatewayGraphQLResponse {
  const entities: unknown = response.data?._entities;
  const handedOut = new Set<number>();
  const data = Array.isArray(entities)
    ? {
        ...response.data,
        _entities: distinctIndexOf.map((index) => {
          if (handedOut.has(index) && hasNestedObjects(entities[index])) return structuredClone(entities[index]);
          handedOut.add(index);
          return entities[index];
        }),
      }
    : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [head, index, ...rest] = error.path ?? [];
    if (head !== "_entities" || typeof index !== "number") return [error];
    return distinctIndexOf.flatMap((distinctIndex, position) =>
      distinctIndex === index ? [{ ...error, path: ["_entities", position, ...rest] }] : [],
    );
  });
  return { ...response, data, ...(errors ? { errors } : {}) };
}

function hasNestedObjects(entity: unknown): boolean {
  return (
    typeof entity === "object" &&
    entity !== null &&
    Object.values(entity).some((value) => typeof value === "object" && value !== null)
  );
}
