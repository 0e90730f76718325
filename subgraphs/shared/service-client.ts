import { ClientError, GraphQLClient } from "graphql-request";
import { DomainError, ErrorCode, isPublicErrorCode } from "../../lib/errors";
import { withRequestId } from "../../lib/observability/request-context";
import { encodePrincipal, PRINCIPAL_HEADER, SERVICE, SERVICE_TOKEN_HEADER } from "./request-identity";

/**
 * The one HTTP client for service-to-service GraphQL calls (orders → products,
 * orders → users). It presents the service credential, acting as the
 * platform itself (not for any user: the caller checked that), and turns the callee's
 * coded errors back into DomainErrors, so a business failure such as
 * OUT_OF_STOCK keeps its code and message across the hop.
 */
export interface ServiceClient {
  request<Result>(document: string, variables?: Record<string, unknown>): Promise<Result>;
}

/**
 * A callee that has not answered within `timeoutMs` (SERVICE_CALL_TIMEOUT_MS)
 * is treated as unavailable, so a hung service cannot hang its callers.
 */
export function createServiceClient(url: string, serviceToken: string, serviceName: string, timeoutMs: number): ServiceClient {
  const timedFetch: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: withRequestId(init?.headers), signal: AbortSignal.timeout(timeoutMs) });
  const client = new GraphQLClient(url, {
    headers: { [SERVICE_TOKEN_HEADER]: serviceToken, [PRINCIPAL_HEADER]: encodePrincipal(SERVICE) },
    fetch: timedFetch,
  });
  return {
    async request<Result>(document: string, variables?: Record<string, unknown>) {
      try {
        return await client.request<Result>(document, variables);
      } catch (error) {
        if (error instanceof ClientError) {
          const first = error.response.errors?.[0];
          const code = first?.extensions?.code;
          if (first && isPublicErrorCode(code)) {
            const { code: _code, ...details } = first.extensions ?? {};
            throw new DomainError(code as ErrorCode, first.message, details);
          }
        }
        throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, `The ${serviceName} service is unavailable`);
      }
    },
  };
}
