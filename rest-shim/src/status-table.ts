import { ErrorCode } from "../../lib/errors";

/**
 * The one table from a GraphQL error's `extensions.code` to the HTTP status the
 * REST shim answers with. Routes whose legacy contract differs pass overrides
 * (order creation answers 400 for an unknown or out-of-stock product).
 */
export type StatusOverrides = Readonly<Partial<Record<string, number>>>;

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  // The gateway's own checks of the variables the shim sends (an unknown order status, say).
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.ALREADY_EXISTS]: 409,
  [ErrorCode.OUT_OF_STOCK]: 409,
  [ErrorCode.ILLEGAL_STATUS_MOVE]: 409,
  // Nothing applied; the same call may be sent again (with a Retry-After header, routing.ts).
  [ErrorCode.CONFLICT]: 409,
  // With a Retry-After header (routing.ts).
  [ErrorCode.TOO_MANY_REQUESTS]: 429,
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 422,
  // Valid, but more than the gateway answers at once (MAX_RESPONSE_BYTES): 422 as on GraphQL (response-size.ts).
  [ErrorCode.RESPONSE_TOO_LARGE]: 422,
  // Not a failure: the request is recorded and finishes by itself (the body is a message, not an error).
  [ErrorCode.ACCEPTED_PENDING]: 202,
  // With a Retry-After header when the platform knows the wait (a database failure: routing.ts).
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
};

/** Codes the table does not know (a GraphQL parse failure of the shim's own document, say) are the platform's fault. */
const UNKNOWN_CODE_STATUS = 502;

export function httpStatusFor(code: unknown, overrides: StatusOverrides = {}): number {
  if (typeof code !== "string") return UNKNOWN_CODE_STATUS;
  return overrides[code] ?? STATUS_BY_CODE[code] ?? UNKNOWN_CODE_STATUS;
}
