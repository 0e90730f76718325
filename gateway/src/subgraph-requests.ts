import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayContext } from "./context";

/**
 * The one place where the gateway builds the HTTP requests it sends to the
 * subgraphs: the configured URL instead of the one in the supergraph file, the
 * user's Authorization header, and the client's address.
 */
export class SubgraphRequests extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    if ("authorization" in context && context.authorization) headers.set("authorization", context.authorization);
    if ("clientAddress" in context && context.clientAddress) headers.set("x-forwarded-for", context.clientAddress);
  }
}
