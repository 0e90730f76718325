import type { ApolloServer } from "@apollo/server";
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  print,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import type { AuthMode } from "../../../lib/config";
import { ErrorCode } from "../../../lib/errors";
import type { GatewayContext } from "../context";
import type { OrderChange, OrderEventHub } from "./order-events";

/**
 * The subscription layer beside Apollo Gateway, which plans and runs queries
 * and mutations only: the pattern of Apollo's federation-subscription tools.
 * `Subscription.orderUpdated` is resolved from the order events
 * (order-events.ts); the rest of each event's selection runs as a query
 * through this gateway's own Apollo server, as the subscriber:
 *
 *     subscription { orderUpdated(id: 7) { status user { username } } }
 *     → for each change of order 7:
 *     query OrderUpdated($orderUpdatedId: ID!) { orderUpdated: order(id: $orderUpdatedId) { status user { username } } }
 *
 * So an event is exactly what `order(id:)` answers the subscriber at that
 * moment: the orders subgraph's rules decide (someone else's order answers
 * null, and that event is not sent), every limit and plugin of a query
 * applies, and the fields of other subgraphs come through the query plan.
 * The subscription document itself is checked at subscribe time with the
 * same token, depth, alias, directive and cost limits as a query.
 */

export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** A subscription document, ready to follow events with. */
export interface PreparedSubscription {
  kind: "subscription";
  /** The query run for each event, its variables but the order id, and where that id goes. */
  query: string;
  operationName: string;
  variables: Record<string, unknown>;
  idVariable: string;
  /** The root field's alias, or orderUpdated. */
  responseKey: string;
  /** The order followed; null: every order the subscriber may see. */
  orderId: string | null;
}

/** A query or mutation sent over a subscription transport: run once, as /graphql would. */
export interface SingleOperation {
  kind: "single";
  request: OperationRequest;
}

export interface SubscriptionLayerOptions {
  apollo: ApolloServer<GatewayContext>;
  hub: OrderEventHub;
  authMode: AuthMode;
  /** The API schema clients see (the current supergraph's). */
  schema(): GraphQLSchema;
  limits: {
    validationRules: ValidationRule[];
    parseOptions: { maxTokens: number };
    checkCost(operation: {
      schema: GraphQLSchema;
      document: DocumentNode;
      operationName?: string | null;
      variables?: Record<string, unknown>;
    }): void;
  };
  /** SUBSCRIPTION_MAX_PENDING_EVENTS. */
  maxPendingEvents: number;
}

export class OrderSubscriptions {
  constructor(private readonly options: SubscriptionLayerOptions) {}

  /** Checks an operation; errors are what the client is answered, with codes as /graphql's. */
  prepare(request: OperationRequest): PreparedSubscription | SingleOperation | readonly GraphQLError[] {
    const { limits } = this.options;
    let document: DocumentNode;
    try {
      document = parse(request.query, limits.parseOptions);
    } catch (error) {
      return [coded(error instanceof GraphQLError ? error.message : "Syntax error", "GRAPHQL_PARSE_FAILED")];
    }
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) return [coded("Name the operation to run (operationName)", "OPERATION_RESOLUTION_FAILURE")];
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return { kind: "single", request };
    const schema = this.options.schema();
    const invalid = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
    if (invalid.length > 0) return invalid.map((error) => coded(error.message, "GRAPHQL_VALIDATION_FAILED"));
    const variables = request.variables ?? {};
    try {
      limits.checkCost({ schema, document, operationName: request.operationName, variables });
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return coerced.errors.map((error) => coded(error.message, ErrorCode.BAD_USER_INPUT));
    const [root, ...others] = operation.selectionSet.selections;
    if (others.length > 0 || root.kind !== Kind.FIELD || root.name.value !== "orderUpdated") {
      return [coded("A subscription selects orderUpdated itself, not through a fragment", ErrorCode.BAD_USER_INPUT)];
    }
    const field = schema.getSubscriptionType()!.getFields().orderUpdated;
    const { id } = getArgumentValues(field, root, coerced.coerced) as { id?: string | null };
    const fragments = fragmentsUnder(root.selectionSet!, document);
    const used = variablesUnder([root.selectionSet!, ...fragments]);
    const idVariable = unusedName("orderUpdatedId", new Set([...Object.keys(variables), ...used]));
    const responseKey = root.alias?.value ?? root.name.value;
    const operationName = operation.name?.value ?? "OrderUpdated";
    const query: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          name: { kind: Kind.NAME, value: operationName },
          variableDefinitions: [
            {
              kind: Kind.VARIABLE_DEFINITION,
              variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
              type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "ID" } } },
            },
            ...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)),
          ],
          selectionSet: {
            kind: Kind.SELECTION_SET,
            selections: [
              {
                ...root,
                alias: { kind: Kind.NAME, value: responseKey },
                name: { kind: Kind.NAME, value: "order" },
                arguments: [
                  {
                    kind: Kind.ARGUMENT,
                    name: { kind: Kind.NAME, value: "id" },
                    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: idVariable } },
                  },
                ],
                directives: [],
              } satisfies FieldNode,
            ],
          },
        },
        ...fragments,
      ],
    };
    return {
      kind: "subscription",
      query: print(query),
      operationName,
      variables: Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name))),
      idVariable,
      responseKey,
      orderId: id ?? null,
    };
  }

  /** Runs a query or mutation once, as the caller. */
  async runOnce(request: OperationRequest, contextValue: GatewayContext): Promise<ExecutionResult> {
    const response = await this.options.apollo.executeOperation(
      { query: request.query, variables: request.variables ?? undefined, operationName: request.operationName ?? undefined },
      { contextValue },
    );
    if (response.body.kind !== "single") return { errors: [coded("Incremental delivery is not served here", "BAD_REQUEST")] };
    const { data, errors } = response.body.singleResult;
    return { data: data as ExecutionResult["data"], ...(errors && { errors: errors.map(asGraphQLError) }) };
  }

  /**
   * The events of a prepared subscription, for as long as the client listens. `contextFor` gives the subscriber's
   * context at each event: the token checked again and the account's current role (a deleted account or an expired
   * token ends the subscription with UNAUTHENTICATED; the client connects again with a fresh token).
   */
  follow(
    prepared: PreparedSubscription,
    subscriber: GatewayContext,
    contextFor: () => Promise<GatewayContext>,
  ): AsyncIterableIterator<ExecutionResult> {
    const { principal } = subscriber;
    // Only narrows what is asked: the orders subgraph still decides each event. A customer in enforced mode sees
    // their own orders only, so asking about anyone else's would answer null every time.
    const customerId =
      this.options.authMode === "enforced" && principal.kind === "user" && principal.role === "customer"
        ? String(principal.userId)
        : null;
    const wanted = (change: OrderChange) =>
      (prepared.orderId === null || change.orderId === prepared.orderId) && (customerId === null || change.userId === customerId);
    return new OrderUpdates(this.options.hub, wanted, this.options.maxPendingEvents, async (change) => {
      const contextValue = { ...(await contextFor()), subscriptionEvent: true };
      const response = await this.options.apollo.executeOperation(
        {
          query: prepared.query,
          operationName: prepared.operationName,
          variables: { ...prepared.variables, [prepared.idVariable]: change.orderId },
        },
        { contextValue },
      );
      if (response.body.kind !== "single") return null;
      const { data, errors } = response.body.singleResult;
      const order = data?.[prepared.responseKey] ?? null;
      if (errors?.some((error) => error.extensions?.code === ErrorCode.UNAUTHENTICATED)) {
        throw asGraphQLError(errors.find((error) => error.extensions?.code === ErrorCode.UNAUTHENTICATED)!);
      }
      // Not the subscriber's to see (or gone): nothing is sent.
      if (order === null && !errors?.length) return null;
      return {
        data: order === null ? null : { [prepared.responseKey]: order },
        ...(errors?.length && { errors: errors.map(asGraphQLError) }),
      };
    });
  }
}

/**
 * One subscription's events: matching changes wait in a queue of at most
 * `maxPending` while the client reads the previous ones (graphql-ws sends the
 * next only once the last is written to the socket; the SSE side counts
 * unwritten events, subscription-server.ts); one more ends the subscription
 * with SLOW_CONSUMER instead of buffering without bound. Written by hand
 * rather than as an async generator: `return()` must end a subscription that
 * is waiting for its next event at once, which a suspended generator cannot.
 */
class OrderUpdates implements AsyncIterableIterator<ExecutionResult> {
  private queue: OrderChange[] = [];
  private wakeUp: (() => void) | null = null;
  private ended = false;
  private overflowed = false;
  private readonly unlisten: () => void;

  constructor(
    hub: OrderEventHub,
    wanted: (change: OrderChange) => boolean,
    private readonly maxPending: number,
    private readonly produce: (change: OrderChange) => Promise<ExecutionResult | null>,
  ) {
    this.unlisten = hub.listen((change) => {
      if (this.ended || !wanted(change)) return;
      if (this.queue.length >= this.maxPending) this.overflowed = true;
      else this.queue.push(change);
      this.wake();
    });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.ended) return { done: true, value: undefined };
      if (this.overflowed) {
        this.end();
        const message = `This subscription's client read its events too slowly (over ${this.maxPending} waiting); subscribe again`;
        return { done: false, value: { errors: [coded(message, ErrorCode.SLOW_CONSUMER)] } };
      }
      const change = this.queue.shift();
      if (!change) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      try {
        const result = await this.produce(change);
        if (result && !this.ended) return { done: false, value: result };
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        this.end();
        return { done: false, value: { errors: [error] } };
      }
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { done: true, value: undefined };
  }

  private end() {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.unlisten();
    this.wake();
  }

  private wake() {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }
}

const coded = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** Apollo answers formatted errors; the transports send GraphQLErrors (graphql-ws calls their toJSON). */
const asGraphQLError = (error: GraphQLFormattedError) =>
  new GraphQLError(error.message, { path: error.path, extensions: error.extensions });

/** The fragments a selection spreads, directly or through other fragments. */
function fragmentsUnder(selectionSet: SelectionSetNode, document: DocumentNode): FragmentDefinitionNode[] {
  const byName = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = byName.get(spread.name.value);
        if (!fragment || found.has(fragment.name.value)) return;
        found.set(fragment.name.value, fragment);
        walk(fragment);
      },
    });
  walk(selectionSet);
  return [...found.values()];
}

function variablesUnder(nodes: (SelectionSetNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  return names;
}

function unusedName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
  return name;
}
