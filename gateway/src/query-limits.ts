import { HeaderMap, type ApolloServerOptions, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  parse,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from "graphql";
import { getComplexity, type ComplexityEstimator } from "graphql-query-complexity";
import type { GraphQLLimits } from "../../lib/config";
import { DomainError, ErrorCode } from "../../lib/errors";
import { InFlightPerClient } from "./in-flight";

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
 *   `first`/`limit` argument, or DEFAULT_LIST_SIZE entries when it has none,
 *   and a field weighs what it can return: 1, or the weight its subgraph gives
 *   it with `@cost` (fieldWeights below; a product's `description` weighs 100).
 * - Expensive operations (estimated above `expensiveCost`): each client may
 *   have `expensivePerClient` of them in flight at once; more are refused with
 *   TOO_MANY_REQUESTS (429, Retry-After) until one ends.
 * - Only queries and mutations over HTTP: subscriptions are served beside Apollo (./subscriptions/), with these
 *   same limits.
 *
 * List arguments themselves (`first` at most 100 and so on) are checked by the
 * subgraph that owns the data.
 */

/** Assumed entries of a list without a size argument (a user's orders, an order's items). */
export const DEFAULT_LIST_SIZE = 10;
/** Fields, fragments and inline fragments the cost estimate walks at most (fragments are expanded). */
const MAX_QUERY_NODES = 10_000;

/** The specification of Apollo's demand-control directives (`@cost`, `@listSize`), as the supergraph links it. */
const COST_SPEC = "https://specs.apollo.dev/cost/";

/**
 * Field weights, "Type.field" → weight, read from the supergraph: the `@cost(weight: N)` that the subgraph owning a
 * field writes in its schema (Apollo's demand-control directive, which composition carries into the supergraph).
 * One unit is about 100 bytes of answer, so a field weighs its longest value in hundreds of bytes: a product's
 * `description` (10,000 characters) 100, its `tags` 25. Fields without one weigh 1.
 */
export function fieldWeights(supergraphSdl: string): ReadonlyMap<string, number> {
  const document = parse(supergraphSdl);
  const link = document.definitions
    .flatMap((definition) =>
      definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION
        ? (definition.directives ?? [])
        : [],
    )
    .find((directive) => directive.name.value === "link" && stringArgument(directive, "url")?.startsWith(COST_SPEC));
  const weights = new Map<string, number>();
  if (!link) return weights;
  // The spec's main directive is named after its namespace: `@cost`, unless the link renames it (`as:`).
  const costName = stringArgument(link, "as") ?? "cost";
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const weight = field.directives
        ?.find((directive) => directive.name.value === costName)
        ?.arguments?.find((argument) => argument.name.value === "weight")?.value;
      if (weight?.kind === Kind.INT) weights.set(`${definition.name.value}.${field.name.value}`, Number(weight.value));
    }
  }
  return weights;
}

function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((argument) => argument.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** Each field costs its weight, plus its selections times the number of entries it may return. */
const listAwareEstimator =
  (weights: ReadonlyMap<string, number>): ComplexityEstimator =>
  ({ field, args, type, childComplexity }) => {
    const weight = weights.get(`${type.name}.${field.name}`) ?? 1;
    const requested = [args.first, args.limit].find((value): value is number => typeof value === "number" && value > 0);
    if (requested !== undefined) return weight + requested * childComplexity;
    const fieldType = getNullableType(field.type);
    if (!isListType(fieldType) || !isCompositeType(getNamedType(fieldType))) return weight + childComplexity;
    // A connection's `nodes` are the page its parent field asked for; that field already counted them.
    return weight + (type.name.endsWith("Connection") ? 1 : DEFAULT_LIST_SIZE) * childComplexity;
  };

const badRequest = (message: string, code: string = "GRAPHQL_VALIDATION_FAILED") =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/** Who an expensive operation counts against: the signed-in user, else the client's address. */
export type ClientOf<TContext> = (context: TContext) => string;

/** How long a client refused for too many expensive operations in flight is told to wait: one usually ends by then. */
const EXPENSIVE_RETRY_AFTER_SECONDS = 1;

/**
 * Once the operation and its variables are known: only queries and mutations, within the cost limit, and, when
 * expensive, within its client's in-flight allowance (held until the answer is sent).
 */
function operationCheckPlugin<TContext extends BaseContext>(
  limits: GraphQLLimits,
  weights: ReadonlyMap<string, number>,
  clientOf: ClientOf<TContext>,
): ApolloServerPlugin<TContext> {
  const inFlight = new InFlightPerClient(limits.expensivePerClient);
  // Keyed by the request's own context object, which every hook of one request receives.
  const leaving = new WeakMap<object, () => void>();
  const leave = (requestContext: object) => {
    leaving.get(requestContext)?.();
    leaving.delete(requestContext);
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { request, document, schema, operation, contextValue } = requestContext;
          // An operationName the document lacks: request-errors.ts answers it (OPERATION_RESOLUTION_FAILURE).
          if (!operation) return;
          if (operation.operation === "subscription") {
            throw badRequest(
              "Subscribe over WebSocket (graphql-ws) or SSE (Accept: text/event-stream) on /graphql",
              "BAD_REQUEST",
            );
          }
          // Introspection's size is the schema's, not the data's: the playground's own query would otherwise be
          // "estimated" as lists of lists. It stays bounded by the token and depth limits, and GRAPHQL_INTROSPECTION.
          if (isIntrospectionOnly(operation)) return;
          const cost = checkedCost(limits, weights, { schema, document, ...request });
          if (cost <= limits.expensiveCost) return;
          const client = clientOf(contextValue);
          if (!inFlight.tryEnter(client)) throw tooManyExpensive(limits.expensivePerClient);
          leaving.set(requestContext, () => inFlight.leave(client));
        },
        async willSendResponse(requestContext) {
          leave(requestContext);
        },
      };
    },
    // A request that fails past every hook (a bug) ends without willSendResponse.
    async unexpectedErrorProcessingRequest({ requestContext }) {
      leave(requestContext);
    },
  };
}

/** The operation's estimated cost; a 400 GraphQLError above `maxCost` (gateway subscriptions check theirs with it too). */
function checkedCost(
  limits: GraphQLLimits,
  weights: ReadonlyMap<string, number>,
  operation: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operationName?: string | null;
    variables?: Record<string, unknown>;
  },
): number {
  let cost: number;
  try {
    cost = getComplexity({
      schema: operation.schema,
      query: operation.document,
      operationName: operation.operationName ?? undefined,
      variables: operation.variables ?? {},
      estimators: [listAwareEstimator(weights)],
      maxQueryNodes: MAX_QUERY_NODES,
    });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // Variables that do not fit their types (execution would refuse them too), or too many fields to walk.
    throw /^Variable/.test(error.message) ? badRequest(error.message, ErrorCode.BAD_USER_INPUT) : badRequest(error.message);
  }
  if (cost > limits.maxCost) throw badRequest(`Query cost limit of ${limits.maxCost} exceeded, estimated ${cost}.`);
  return cost;
}

const tooManyExpensive = (perClient: number) =>
  new DomainError(
    ErrorCode.TOO_MANY_REQUESTS,
    `At most ${perClient} expensive operations per client at once; retry when one has ended`,
    {
      retryAfterSeconds: EXPENSIVE_RETRY_AFTER_SECONDS,
      // Apollo reads `http` for the answer's status and headers, as for the per-user rate limit (rate-limits.ts).
      http: { status: 429, headers: new HeaderMap([["retry-after", String(EXPENSIVE_RETRY_AFTER_SECONDS)]]) },
    },
  );

function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith("__"),
  );
}

/** Apollo Server options (validation rules and plugins) that enforce the limits. */
export function queryLimits<TContext extends BaseContext>(
  limits: GraphQLLimits,
  options: { hideFieldSuggestions: boolean; supergraphSdl: string; clientOf: ClientOf<TContext> },
): {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin<TContext>[];
  parseOptions: { maxTokens: number };
  /** The cost check of the plugins, for operations that do not pass through Apollo (subscriptions). */
  checkCost(operation: Parameters<typeof checkedCost>[2]): void;
} {
  const { hideFieldSuggestions } = options;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: false },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: hideFieldSuggestions },
    // The list-aware estimate below replaces Armor's cost rule.
    costLimit: { enabled: false },
  }).protect() as Pick<ApolloServerOptions<TContext>, "plugins" | "validationRules">;
  const weights = fieldWeights(options.supergraphSdl);
  return {
    validationRules: [...(armor.validationRules ?? [])],
    plugins: [...(armor.plugins ?? []), operationCheckPlugin(limits, weights, options.clientOf)],
    parseOptions: { maxTokens: limits.maxTokens },
    checkCost: (operation) => void checkedCost(limits, weights, operation),
  };
}
