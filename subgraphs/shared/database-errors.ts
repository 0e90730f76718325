import { DomainError, ErrorCode } from "../../lib/errors";

/**
 * The one reading of a database failure, for all three subgraphs: a connection
 * lost, refused or timed out, a pool or transaction slot not found in time, a
 * lock not got in time. Each is told apart by what it means for the call that
 * met it:
 *
 * - `not_applied`: the statement never ran or was rolled back (no connection,
 *   no transaction slot, a lock or serialization conflict). Retrying is safe.
 * - `unknown`: the connection broke while a statement or its COMMIT was under
 *   way, so a write may have committed. Retrying is safe only where the call
 *   is idempotent (a read, a keyed order, a status move).
 *
 * Anything else (a bug, a constraint) is not a database *failure* and stays
 * unexpected. Prisma wraps the driver's error (PrismaClientKnownRequestError
 * with `meta.driverAdapterError.cause`, whose `originalCode` is PostgreSQL's
 * SQLSTATE); node-postgres raises plain Errors for a socket that closed.
 */
export interface DatabaseFailure {
  outcome: "not_applied" | "unknown";
  /** A lock or serialization conflict with another request (CONFLICT), rather than the database being unreachable. */
  conflict: boolean;
}

/** SQLSTATEs that mean "not done, try again" because of another transaction: lock_not_available, serialization_failure, deadlock_detected. */
const CONFLICT_STATES = new Set(["55P03", "40001", "40P01"]);
/** The server ended or refused the session: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections; class 08 is connection exceptions. */
const CONNECTION_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);
/**
 * Prisma's codes: P1002 timed out, P1008 socket timeout, P1017 server closed the connection (outcome unknown);
 * P1001 not reachable, P2024 no pool connection in time, P2028 a transaction not started in time or already
 * ended, so rolled back (not applied); P2034 a write conflict or deadlock (not applied).
 */
const PRISMA_LOST = new Set(["P1002", "P1008", "P1017"]);
const PRISMA_NOT_STARTED = new Set(["P1001", "P2024", "P2028"]);
/** The adapter's names for the same (driver-adapter-utils' error kinds). */
const LOST_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** Socket errors: refused means nothing was sent; the others may cut a statement short. */
const SOCKET_CODES = new Set(["ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED"]);
/** node-postgres's and pg-pool's own errors, which carry no code. */
const LOST_MESSAGES = /Connection terminated|Client has encountered a connection error|Connection ended unexpectedly/i;
const NOT_STARTED_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Unable to start a transaction in the given time/i;

export function databaseFailureOf(error: unknown): DatabaseFailure | null {
  for (const cause of causesOf(error)) {
    const { code, kind, originalCode, message, syscall } = cause as Record<string, unknown>;
    const sqlState = typeof originalCode === "string" ? originalCode : typeof code === "string" && !syscall ? code : undefined;
    if (sqlState && CONFLICT_STATES.has(sqlState)) return { outcome: "not_applied", conflict: true };
    if (code === "P2034" || kind === "TransactionWriteConflict") return { outcome: "not_applied", conflict: true };
    if (typeof code === "string" && PRISMA_NOT_STARTED.has(code)) return { outcome: "not_applied", conflict: false };
    if (sqlState === "57P03" || sqlState === "53300" || code === "ECONNREFUSED" || kind === "DatabaseNotReachable") {
      return { outcome: "not_applied", conflict: false };
    }
    if (sqlState && (CONNECTION_STATES.has(sqlState) || sqlState.startsWith("08")))
      return { outcome: "unknown", conflict: false };
    if (typeof code === "string" && (PRISMA_LOST.has(code) || SOCKET_CODES.has(code)))
      return { outcome: "unknown", conflict: false };
    if (typeof kind === "string" && LOST_KINDS.has(kind)) return { outcome: "unknown", conflict: false };
    if (typeof message === "string" && NOT_STARTED_MESSAGES.test(message)) return { outcome: "not_applied", conflict: false };
    if (typeof message === "string" && LOST_MESSAGES.test(message)) return { outcome: "unknown", conflict: false };
  }
  return null;
}

/** Seconds a client should wait before retrying after a database failure: connections come back, locks free, within about that. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * The answer for a database failure: CONFLICT (another request holds the
 * record) or SERVICE_UNAVAILABLE, with `extensions.retryable` saying whether
 * sending the same call again is safe and `retryAfterSeconds` (REST: 503 or
 * 409 with Retry-After). `retrySafe` is the caller's knowledge that the call
 * is idempotent; without it only a failure known not applied is retryable.
 * Null when the error is not a database failure.
 */
export function databaseFailureError(error: unknown, retrySafe = false): DomainError | null {
  const failure = databaseFailureOf(error);
  if (!failure) return null;
  const retryable = retrySafe || failure.outcome === "not_applied";
  const details = { retryable, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };
  if (failure.conflict) {
    return new DomainError(
      ErrorCode.CONFLICT,
      "Another request is changing the same record; nothing was applied. Send the same request again.",
      details,
    );
  }
  return new DomainError(
    ErrorCode.SERVICE_UNAVAILABLE,
    retryable
      ? "The database is not answering right now; sending the same request again is safe."
      : "The database connection was lost during the change: it may or may not have been applied. Read it back before trying again.",
    details,
  );
}

/** True when the error is a database failure that a bounded retry of the same idempotent step may get past. */
export const isDatabaseFailure = (error: unknown): boolean => databaseFailureOf(error) !== null;

/** The error, its causes, and the driver adapter's error Prisma keeps in `meta`, outermost first. */
function causesOf(error: unknown): object[] {
  const found: object[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && found.length < 10) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || found.includes(next)) continue;
    found.push(next);
    const { cause, meta } = next as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    queue.push(meta?.driverAdapterError, cause);
  }
  return found;
}

/**
 * Runs an idempotent step again when the database failed it, a few times with a short pause: a connection the
 * server ended is replaced by the pool at once, so the next try usually gets through. The last failure is thrown.
 */
export async function retryOnDatabaseFailure<Result>(step: () => Promise<Result>, attempts = 4): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts || !isDatabaseFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
  }
}
