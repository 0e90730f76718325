/**
 * Anything in an answer that betrays the inside: a stack frame, a file path,
 * SQL, Prisma or PostgreSQL wording, a service's internal address or name.
 */
export const INTERNALS =
  /<html|<!doctype|\bat \S+ \(|node_modules|\/work\/|\.ts:\d+|prisma|SELECT |INSERT |UPDATE "|\bpostgres|invalid byte sequence|127\.0\.0\.1:\d+|localhost:\d+|serviceName/i;
