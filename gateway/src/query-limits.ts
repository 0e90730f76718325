import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type OperationDefinitionNode,
  type ValidationRule,
} from "graphql";
import { getComplexity, type ComplexityEstimator } from "graphql-query-complexity";
import type { GraphQLLimits } from "../../lib/config";
import { ErrorCode } from "../../lib/errors";

/**
 * What a single GraphQL request may ask of the platform, checked at the
 * gateway before anything is planned or sent to a subgraph:
 *
 * - Tokens, while parsing: graphql-js's own `maxTokens` parse option (Armor's
 *   token plugin throws from a hook that Apollo answers with a 500).
 * - GraphQL Armor: depth, aliases and directives while validating (each
 *   fragment counted once, so doubled fragment spreads cost linear time), and
 *   field suggestions hidden when introspection is off.
 * - Estimated cost (graphql-query-complexity): Armor's own cost rule ignores
 *   lists without a `first` argument, so it cannot see that `user → orders →
 *   user → orders …` multiplies at every level. Here a list field counts its
 *   `first`/`limit` argument, or DEFAULT_LIST_SIZE entries when it has none.
 * - Only queries and mutations: the supergraph has no subscriptions.
 *
 * List arguments themselves (`first` at most 100 and so on) are checked by the
 * subgraph that owns the data.
 */

/** Assumed entries of a list without a size argument (a user's orders, an order's items). */
export const DEFAULT_LIST_SIZE = 10;
/** Fields, fragments and inline fragments the cost estimate walks at most (fragments are expanded). */
const MAX_QUERY_NODES = 10_000;

/** Each field costs 1, plus its selections times the number of entries it may return. */
const listAwareEstimator: ComplexityEstimator = ({ field, args, type, childComplexity }) => {
  const requested = [args.first, args.limit].find((value): value is number => typeof value === "number" && value > 0);
  if (requested !== undefined) return 1 + requested * childComplexity;
  const fieldType = getNullableType(field.type);
  if (!isListType(fieldType) || !isCompositeType(getNamedType(fieldType))) return 1 + childComplexity;
  // A connection's `nodes` are the page its parent field asked for; that field already counted them.
  return 1 + (type.name.endsWith("Connection") ? 1 : DEFAULT_LIST_SIZE) * childComplexity;
};

const badRequest = (message: string, code: string = "GRAPHQL_VALIDATION_FAILED") =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/** Once the operation and its variables are known: only queries and mutations, and within the cost limit. */
function operationCheckPlugin(maxCost: number): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation }) {
          if (operation && operation.operation !== "query" && operation.operation !== "mutation") {
            throw badRequest(`${operation.operation} operations are not supported; send a query or a mutation`, "BAD_REQUEST");
          }
          // Introspection's size is the schema's, not the data's: the playground's own query would otherwise be
          // "estimated" as lists of lists. It stays bounded by the token and depth limits, and GRAPHQL_INTROSPECTION.
          if (operation && isIntrospectionOnly(operation)) return;
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [listAwareEstimator],
              maxQueryNodes: MAX_QUERY_NODES,
            });
          } catch (error) {
            if (!(error instanceof GraphQLError)) throw error;
            // Variables that do not fit their types (execution would refuse them too), or too many fields to walk.
            throw /^Variable/.test(error.message)
              ? badRequest(error.message, ErrorCode.BAD_USER_INPUT)
              : badRequest(error.message);
          }
          if (cost > maxCost) throw badRequest(`Query cost limit of ${maxCost} exceeded, estimated ${cost}.`);
        },
      };
    },
  };
}

function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith("__"),
  );
}

/** Apollo Server options (validation rules and plugins) that enforce the limits. */
export function queryLimits(
  limits: GraphQLLimits,
  { hideFieldSuggestions }: { hideFieldSuggestions: boolean },
): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin<BaseContext>[]; parseOptions: { maxTokens: number } } {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: false },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: hideFieldSuggestions },
    // The list-aware estimate below replaces Armor's cost rule.
    costLimit: { enabled: false },
  }).protect() as Pick<ApolloServerOptions<BaseContext>, "plugins" | "validationRules">;
  return {
    validationRules: [...(armor.validationRules ?? [])],
    plugins: [...(armor.plugins ?? []), operationCheckPlugin(limits.maxCost)],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
