import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The request id of the HTTP request being handled, wherever the code is
 * (a resolver, a service call, a log line), without threading it through
 * every signature: Node's AsyncLocalStorage follows the request's async work.
 * request-log.ts opens the scope; outgoing calls copy the id into their headers.
 */
export const REQUEST_ID_HEADER = "x-request-id";

const storage = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** The header to send on a call made on behalf of the current request (none outside a request). */
export function requestIdHeaders(): Record<string, string> {
  const requestId = currentRequestId();
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}

/** The given fetch headers plus the current request's id. */
export function withRequestId(headers: ConstructorParameters<typeof Headers>[0]): Headers {
  const result = new Headers(headers);
  for (const [name, value] of Object.entries(requestIdHeaders())) result.set(name, value);
  return result;
}
