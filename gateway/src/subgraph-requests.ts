import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { ErrorCode, isPublicErrorCode } from "../../lib/errors";
import type { GatewayContext } from "./context";

/**
 * The one place where the gateway builds the HTTP requests it sends to the
 * subgraphs, and reads their failures: the configured URL instead of the one in
 * the supergraph file, the user's Authorization header, the client's address.
 */
type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>["fetcher"] & {};

export class SubgraphRequests extends RemoteGraphQLDataSource<GatewayContext> {
  /** A subgraph that has not answered within `timeoutMs` fails the fetch (SERVICE_UNAVAILABLE below), so nothing waits for a hung one. */
  constructor(url: string, timeoutMs: number) {
    const timedFetch: Fetcher = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) } as RequestInit);
    super({ url, fetcher: timedFetch });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    if (context.authorization) headers.set("authorization", context.authorization);
    if (context.clientAddress) headers.set("x-forwarded-for", context.clientAddress);
  }

  /**
   * A subgraph answers 400 when it rejects the variables (say, a Money value
   * with three decimals). Pass its coded error on rather than Apollo's default
   * "400: Bad Request", which would carry the subgraph's URL and lose the code.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0]): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const first = (body as { errors?: { message: string; extensions?: { code?: unknown } }[] } | undefined)?.errors?.[0];
    if (first && isPublicErrorCode(first.extensions?.code)) {
      return new GraphQLError(first.message, { extensions: { code: first.extensions!.code } });
    }
    return new GraphQLError("A service of the platform failed", { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
  }

  /** A subgraph that cannot be reached is SERVICE_UNAVAILABLE, without its address. */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw new GraphQLError("A service of the platform is unavailable", { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
  }
}
