import type { BreakerSettings, DependencyBreaker } from "./circuit-breaker";
import { DomainError, ErrorCode } from "./errors";
import { callFailureOf, createGraphQLClient, domainErrorOf, type GraphQLCaller } from "./graphql-client";
import { encodePrincipal, PRINCIPAL_HEADER, SERVICE, SERVICE_TOKEN_HEADER } from "./request-identity";

/**
 * The one client for service-to-service GraphQL calls (orders → products,
 * orders → users, the gateway → users), over lib/graphql-client.ts. It presents
 * the service credential, acting as the platform itself (not for any user: the
 * caller checked that), and turns the callee's coded errors back into
 * DomainErrors, so a business failure such as OUT_OF_STOCK keeps its code and
 * message across the hop. Every other failure is SERVICE_UNAVAILABLE: no
 * answer within `timeoutMs` (SERVICE_CALL_TIMEOUT_MS), no connection, or a
 * call refused at once by the open circuit. Whether the step happened is then
 * unknown to the caller (certain only for the open circuit: not sent), and
 * callers treat all of them alike: what crosses services is recorded before
 * the call and finished by recovery either way.
 */
export type ServiceClient = GraphQLCaller & { breaker?: DependencyBreaker };

export function createServiceClient(
  url: string,
  serviceToken: string,
  serviceName: string,
  timeoutMs: number,
  breaker?: BreakerSettings,
): ServiceClient {
  const client = createGraphQLClient(url, {
    timeoutMs,
    headers: { [SERVICE_TOKEN_HEADER]: serviceToken, [PRINCIPAL_HEADER]: encodePrincipal(SERVICE) },
    breaker,
  });
  return {
    breaker: client.breaker,
    async request(document, variables) {
      try {
        return await client.request(document, variables);
      } catch (error) {
        const failure = callFailureOf(error);
        const coded = failure?.kind === "answered" ? domainErrorOf(failure.error) : undefined;
        throw coded ?? new DomainError(ErrorCode.SERVICE_UNAVAILABLE, `The ${serviceName} service is unavailable`);
      }
    },
  };
}
