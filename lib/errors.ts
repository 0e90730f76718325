import { GraphQLError, type GraphQLFormattedError } from "graphql";

/**
 * The one way this platform fails on purpose: a GraphQLError whose
 * `extensions.code` is one of these. Clients (and the REST shim's status table)
 * branch on the code; the message is for people.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  ALREADY_EXISTS: "ALREADY_EXISTS",
  OUT_OF_STOCK: "OUT_OF_STOCK",
  ILLEGAL_STATUS_MOVE: "ILLEGAL_STATUS_MOVE",
  /** Too many attempts (failed logins, requests): HTTP 429 with Retry-After; `extensions.retryAfterSeconds` says when. */
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  /** A dependency (a service, the database) did not answer; `extensions.retryable` says whether sending the same call again is safe. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** Another request holds the same record (a lock not got in time); nothing was applied, `extensions.retryable` is true. */
  CONFLICT: "CONFLICT",
  /** The request was recorded but a step on another service is not yet known done; recovery finishes it. */
  ACCEPTED_PENDING: "ACCEPTED_PENDING",
  /** An idempotency key already used for a different request. */
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  /**
   * The answer would be larger than MAX_RESPONSE_BYTES: none of it is sent (HTTP 422, as on REST). Retrying the same
   * request cannot help; asking for less (a smaller page, fewer fields) does.
   */
  RESPONSE_TOO_LARGE: "RESPONSE_TOO_LARGE",
  /** Service-only: a stock reservation id that was released (or closed before use) cannot take stock. */
  RESERVATION_RELEASED: "RESERVATION_RELEASED",
  /** A subscription's client read its events slower than they came (SUBSCRIPTION_MAX_PENDING_EVENTS): it is ended, not buffered. */
  SLOW_CONSUMER: "SLOW_CONSUMER",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...details } });
    this.name = "DomainError";
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new DomainError(ErrorCode.NOT_FOUND, message, details);
export const unauthenticated = (message = "Authentication required") => new DomainError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = "Forbidden") => new DomainError(ErrorCode.FORBIDDEN, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new DomainError(ErrorCode.TOO_MANY_REQUESTS, message, { retryAfterSeconds });

/** Codes that may reach a client as they are; anything else is masked. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's codes for requests it refuses (ApolloServerErrorCode).
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
  // Apollo Router's code for the same mistake, which Apollo Server answers without one (below).
  "PERSISTED_QUERY_HASH_MISMATCH",
]);

/**
 * Apollo Server refuses a few malformed requests with a 4xx status but no code
 * (its persisted-query checks); masked, they read as the platform's failure.
 * They are the client's mistake: a code of their own, by Apollo's fixed
 * message, or BAD_REQUEST. Test: the fuzz suite's client mistakes.
 */
const UNCODED_APOLLO_REFUSALS: Readonly<Record<string, string>> = {
  "provided sha does not match query": "PERSISTED_QUERY_HASH_MISMATCH",
};

function refusalCode(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return undefined;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  if (typeof status !== "number" || status < 400 || status >= 500) return undefined;
  return UNCODED_APOLLO_REFUSALS[error.message] ?? "BAD_REQUEST";
}

export function isPublicErrorCode(code: unknown): boolean {
  return typeof code === "string" && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * Errors with a public code (ours, or GraphQL's own parse/validation codes)
 * reach the client as they are; anything else (a Prisma failure, a bug) becomes
 * a bare INTERNAL_SERVER_ERROR so no SQL or stack leaks out. Apollo Server's
 * `formatError`: `error` is the error as raised.
 */
export function maskUnexpectedErrors(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const refused = refusalCode(error);
  if (refused) return { message: formatted.message, extensions: { code: refused } };
  if (isPublicErrorCode(formatted.extensions?.code)) {
    // The gateway names the subgraph an error came from; clients need not know the platform's insides.
    const { serviceName: _serviceName, stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: "Internal server error", path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
