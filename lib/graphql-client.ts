import { STATUS_CODES } from "node:http";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { request as undiciRequest, type Dispatcher } from "undici";
import { ClientError, GraphQLClient } from "graphql-request";
import { dependencyBreaker, isCircuitOpen, type BreakerSettings, type DependencyBreaker } from "./circuit-breaker";
import { DomainError, ErrorCode, isPublicErrorCode } from "./errors";
import { withRequestId } from "./observability/request-context";

/**
 * The platform's one GraphQL HTTP client (graphql-request over timedFetch below),
 * used by the services towards each other and by the scripts (the REST shim
 * runs its operations in the gateway's process, gateway/src/in-process-client.ts): documents typed by codegen.ts, a timeout on every
 * call (lib/config.ts), the current request's id passed on, optionally a
 * circuit breaker, and one reading of how a call failed.
 */
export interface GraphQLCaller {
  request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result>;
}

export interface GraphQLClientOptions {
  /** How long a call may take before it fails as a timeout. */
  timeoutMs: number;
  /** Sent with every call (the service credential). */
  headers?: Record<string, string>;
  /** Cut the dependency off after failures in a row (lib/circuit-breaker.ts); none when absent. */
  breaker?: BreakerSettings;
}

/** Bytes the answers to one client request may still bring (MAX_RESPONSE_BYTES at first), shared by its calls. */
export interface AnswerBudget {
  remaining: number;
}

/** An answer ran over its AnswerBudget: reading it stopped there, and the connection was dropped. */
export class AnswerTooLargeError extends Error {
  override readonly name = "AnswerTooLargeError";
}

/**
 * fetch that gives up after `timeoutMs` and carries the current request's id:
 * the platform's every call between its services (the gateway's subgraph
 * fetches, orders → products and users).
 *
 * It keeps fetch's contract as graphql-request and Apollo's
 * RemoteGraphQLDataSource read it (status, headers, text, json; a network
 * failure is a TypeError, a timeout a TimeoutError) but is undici's request():
 * Node's fetch is the same library under the WHATWG Request, Response and
 * stream layers, which cost 0.3 to 0.5 ms of CPU a call here, several times
 * the call itself (docs/benchmarks.md). The answers are small JSON documents,
 * read whole; with `budgetOf`, each answer is counted against the budget it
 * names as its bytes arrive, and one that runs over fails with
 * AnswerTooLargeError without being read further.
 */
export function timedFetch(timeoutMs: number, budgetOf?: () => AnswerBudget | undefined): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const deadline = abortAfter(timeoutMs);
    try {
      const answer = await undiciRequest(url, {
        method: (init?.method ?? "GET") as Dispatcher.HttpMethod,
        headers: Object.fromEntries(withRequestId(init?.headers)),
        body: init?.body as string | undefined,
        signal: deadline.signal,
      });
      // Awaited here, so that a connection breaking while the answer is read is a failed call too.
      return await readWholeAnswer(url, answer, budgetOf?.());
    } catch (error) {
      // By name, not instanceof: the timeout is a DOMException, of another realm in a test sandbox.
      const name = typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
      if (name === "TimeoutError" || name === "AbortError" || error instanceof AnswerTooLargeError) throw error;
      throw new TypeError("fetch failed", { cause: error });
    } finally {
      deadline.clear();
    }
  }) as typeof fetch;
}

/**
 * A signal that aborts with a TimeoutError after `ms`, as `AbortSignal.timeout` does, and a way to drop its timer once
 * the call is over. `AbortSignal.timeout`'s timer stays until it fires: a pending timer per call made in the last
 * SUBGRAPH_TIMEOUT_MS (10 s), each holding its call's signal and request context.
 */
function abortAfter(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`The call took longer than ${ms} ms`, "TimeoutError")), ms);
  // As AbortSignal.timeout's: a call's socket, not its deadline, keeps the process running.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

async function readWholeAnswer(url: string, answer: Dispatcher.ResponseData, budget?: AnswerBudget): Promise<Response> {
  const text = budget ? await readWithin(answer, budget) : await answer.body.text();
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, each);
  }
  const { statusCode: status } = answer;
  const response: Pick<Response, "url" | "status" | "statusText" | "ok" | "redirected" | "headers" | "text" | "json"> = {
    url,
    status,
    statusText: STATUS_CODES[status] ?? "",
    ok: status >= 200 && status < 300,
    redirected: false,
    headers,
    text: async () => text,
    json: async () => JSON.parse(text),
  };
  return response as Response;
}

async function readWithin({ body, headers }: Dispatcher.ResponseData, budget: AnswerBudget): Promise<string> {
  const tooLarge = () => {
    body.destroy();
    return new AnswerTooLargeError("The answer is larger than its budget");
  };
  // A declared length over the budget is refused before a byte is read.
  if (Number(headers["content-length"]) > budget.remaining) {
    budget.remaining -= Number(headers["content-length"]);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    budget.remaining -= chunk.length;
    if (budget.remaining < 0) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function createGraphQLClient(url: string, options: GraphQLClientOptions): GraphQLCaller & { breaker?: DependencyBreaker } {
  const client = new GraphQLClient(url, { headers: options.headers, fetch: timedFetch(options.timeoutMs) });
  const breaker = options.breaker && dependencyBreaker(options.breaker, isDependencyFailure);
  const send = <Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) =>
    client.request<Result>({ document: document as TypedDocumentNode<Result>, variables: variables as Record<string, unknown> });
  return {
    breaker,
    request: (document, variables) => (breaker ? breaker.execute(() => send(document, variables)) : send(document, variables)),
  };
}

/** A GraphQL error as every client of the platform reads it: the first of an answer's errors. */
export interface FirstGraphQLError {
  code: unknown;
  message: string;
  extensions: Record<string, unknown>;
}

/** The first error of a GraphQL answer (its parsed body, or graphql-request's response), if it has one. */
export function firstGraphQLError(body: unknown): FirstGraphQLError | undefined {
  const errors = typeof body === "object" && body !== null && "errors" in body ? body.errors : undefined;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { message?: unknown; extensions?: Record<string, unknown> };
  const extensions = first.extensions ?? {};
  return { code: extensions.code, message: typeof first.message === "string" ? first.message : "", extensions };
}

/** A first error with a public code, as the DomainError the callee raised: code, message and details cross the hop. */
export function domainErrorOf(first: FirstGraphQLError | undefined): DomainError | undefined {
  if (!first || !isPublicErrorCode(first.code)) return undefined;
  const { code: _code, ...details } = first.extensions;
  return new DomainError(first.code as ErrorCode, first.message, details);
}

/** How a call through this client failed. */
export type CallFailure =
  /** The server answered with GraphQL errors. */
  | { kind: "answered"; status: number; error: FirstGraphQLError }
  /** The server answered, but not with GraphQL. */
  | { kind: "invalid"; status: number }
  | { kind: "timeout" }
  /** The connection could not be made, or broke. */
  | { kind: "unreachable" }
  /** Not sent: the dependency's circuit is open. */
  | { kind: "circuit-open" };

/** What a thrown error says about the call; undefined when it is no failure of the call (a bug, say). */
export function callFailureOf(error: unknown): CallFailure | undefined {
  if (error instanceof ClientError) {
    const first = firstGraphQLError(error.response);
    return first
      ? { kind: "answered", status: error.response.status, error: first }
      : { kind: "invalid", status: error.response.status };
  }
  if (isCircuitOpen(error)) return { kind: "circuit-open" };
  // By name, not instanceof: fetch's errors may come from another realm (a test sandbox, say).
  const name = typeof error === "object" && error !== null && "name" in error ? error.name : undefined;
  if (name === "TimeoutError") return { kind: "timeout" };
  // fetch fails with a TypeError ("fetch failed") when the connection cannot be made or breaks.
  if (name === "TypeError") return { kind: "unreachable" };
  return undefined;
}

/**
 * What counts against a dependency's circuit: no answer, or a broken one (5xx
 * without a public code). A coded answer (OUT_OF_STOCK, NOT_FOUND …) is the
 * dependency working.
 */
export function isDependencyFailure(error: unknown): boolean {
  const failure = callFailureOf(error);
  if (!failure) return false;
  if (failure.kind === "answered") return failure.status >= 500 && !isPublicErrorCode(failure.error.code);
  if (failure.kind === "invalid") return failure.status >= 500;
  return failure.kind !== "circuit-open";
}
