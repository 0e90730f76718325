import { AsyncLocalStorage } from "node:async_hooks";
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { ErrorCode, isPublicErrorCode } from "../../lib/errors";
import { dependencyBreaker, type BreakerSettings, type DependencyBreaker } from "../../lib/circuit-breaker";
import { AnswerTooLargeError, firstGraphQLError, timedFetch, type AnswerBudget } from "../../lib/graphql-client";
import {
  ANONYMOUS,
  CLIENT_ADDRESS_HEADER,
  encodePrincipal,
  IDENTITY_HEADERS,
  PRINCIPAL_HEADER,
  SERVICE_TOKEN_HEADER,
  SIGNED_OUT_ACCOUNTS_EXTENSION,
} from "../../lib/request-identity";
import type { GatewayContext } from "./context";
import { distinctRepresentations, spreadEntities } from "./entity-representations";
import { responseTooLarge, type ResponseBudgets } from "./response-size";

/** The budget of the client request a fetch is made for (Apollo hands the fetcher no context of its own). */
const fetchBudget = new AsyncLocalStorage<AnswerBudget>();

/**
 * The one place where the gateway builds the HTTP requests it sends to the
 * subgraphs, and reads their failures: the configured URL instead of the one in
 * the supergraph file, the service credential, the principal whose token the
 * gateway verified (context.ts) and the client's address. Nothing a client
 * sent under these header names is passed on: they are set here, or removed.
 * Every answer is counted against its client request's size budget as it
 * arrives (response-size.ts).
 */
type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>["fetcher"] & {};

export class SubgraphRequests extends RemoteGraphQLDataSource<GatewayContext> {
  /**
   * A subgraph that has not answered within `timeoutMs` fails the fetch (SERVICE_UNAVAILABLE below), so nothing
   * waits for a hung one; after `breaker.failureThreshold` such failures (or 5xx answers) in a row, its circuit
   * opens and its fetches fail at once until the cool-down has passed (lib/circuit-breaker.ts), while the other
   * subgraphs are asked as usual. The platform's timedFetch (undici's request() behind fetch's contract, see
   * lib/graphql-client.ts) rather than Apollo's default make-fetch-happen: a connection pool that honours the
   * subgraphs' keep-alive, without HTTP-cache or WHATWG-stream layers a subgraph call never uses.
   */
  readonly breaker: DependencyBreaker;

  constructor(
    url: string,
    timeoutMs: number,
    private readonly serviceToken: string,
    breaker: BreakerSettings,
    private readonly budgets: ResponseBudgets,
  ) {
    const circuit = dependencyBreaker(
      breaker,
      // An answer too large for its request is the request's doing, not a failing subgraph.
      (error) => !(error instanceof AnswerTooLargeError),
      (answer) => (answer as Response).status >= 500,
    );
    const fetchWithin = timedFetch(timeoutMs, () => fetchBudget.getStore());
    const fetcher: Fetcher = (input, init) =>
      circuit.execute(() => fetchWithin(input, init as RequestInit)) as ReturnType<Fetcher>;
    super({ url, fetcher });
    this.breaker = circuit;
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<RemoteGraphQLDataSource["process"]> {
    const { context } = options;
    const response = await (context
      ? fetchBudget.run(this.budgets.of(context), () => this.processOnce(options))
      : this.processOnce(options));
    // The users subgraph names the accounts whose sessions this operation ended: their cached entries go now.
    const signedOut = response.extensions?.[SIGNED_OUT_ACCOUNTS_EXTENSION];
    if (signedOut !== undefined) {
      delete response.extensions![SIGNED_OUT_ACCOUNTS_EXTENSION];
      if (Array.isArray(signedOut)) context?.forgetAccounts?.(signedOut.map(String));
    }
    return response;
  }

  /** Each distinct entity representation is sent once (entity-representations.ts). */
  private async processOnce(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<RemoteGraphQLDataSource["process"]> {
    const representations: unknown = options.request.variables?.representations;
    if (!Array.isArray(representations)) return super.process(options);
    const { distinct, distinctIndexOf } = distinctRepresentations(representations);
    if (distinct.length === representations.length) return super.process(options);
    const request = { ...options.request, variables: { ...options.request.variables, representations: distinct } };
    return spreadEntities(await super.process({ ...options, request }), distinctIndexOf);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    for (const name of [...IDENTITY_HEADERS, "authorization"]) headers.delete(name);
    headers.set(SERVICE_TOKEN_HEADER, this.serviceToken);
    headers.set(PRINCIPAL_HEADER, encodePrincipal(context?.principal ?? ANONYMOUS));
    if (context?.clientAddress) headers.set(CLIENT_ADDRESS_HEADER, context.clientAddress);
  }

  /**
   * A subgraph answers 400 when it rejects the variables (say, a Money value
   * with three decimals). Pass its coded error on rather than Apollo's default
   * "400: Bad Request", which would carry the subgraph's URL and lose the code.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0]): Promise<GraphQLError> {
    const first = firstGraphQLError(await this.parseBody(response).catch(() => undefined));
    if (first && isPublicErrorCode(first.code)) return new GraphQLError(first.message, { extensions: { code: first.code } });
    return new GraphQLError("A service of the platform failed", { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
  }

  /**
   * A subgraph that cannot be reached (or whose circuit is open) is SERVICE_UNAVAILABLE, without its address; an
   * answer over the request's budget, RESPONSE_TOO_LARGE.
   */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof AnswerTooLargeError) throw responseTooLarge(this.budgets.maxBytes);
    throw new GraphQLError("A service of the platform is unavailable", { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
  }
}
