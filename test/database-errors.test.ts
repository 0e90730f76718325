import net from "node:net";
import { DriverAdapterError } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { Prisma } from "../prisma/orders/generated/client/client";
import { ErrorCode, notFound } from "../lib/errors";
import { databaseFailureError, databaseFailureOf } from "../subgraphs/shared/database-errors";

/**
 * How a database failure is read, for every subgraph: the errors node-postgres
 * raises are made by a real PostgreSQL server (a backend terminated, a lock
 * timeout, a pool with no free connection); Prisma's wrappers are built with
 * Prisma's own classes, in the shapes its client throws for them (seen from a
 * Prisma client whose backend was terminated, test/orders-database-faults.e2e.test.ts).
 */
const SERVER = process.env.TEST_POSTGRES_URL!;

/** The error a promise rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

/** The driver adapter's reading of a PostgreSQL error (@prisma/adapter-pg's convertDriverError). */
const postgresCause = (code: string, message: string, severity: string) =>
  ({
    kind: "postgres",
    originalCode: code,
    originalMessage: message,
    code,
    severity,
    message,
    detail: undefined,
    column: undefined,
    hint: undefined,
  }) as const;

/** As Prisma's client wraps a driver adapter's error (P2039 for a model query, P2010 for a raw one). */
function prismaWrapped(prismaCode: string, cause: ConstructorParameters<typeof DriverAdapterError>[0]) {
  return new Prisma.PrismaClientKnownRequestError("Invalid `prisma.order.findMany()` invocation", {
    code: prismaCode,
    clientVersion: Prisma.prismaVersion.client,
    meta: { driverAdapterError: new DriverAdapterError(cause) },
  });
}

describe("database failures from a real PostgreSQL server", () => {
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  test("a backend terminated mid-statement (57P01), and the connection it leaves: outcome unknown", async () => {
    const client = new pg.Client({ connectionString: SERVER });
    client.on("error", () => undefined);
    await client.connect();
    const { pid } = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0];
    const sleeping = failureOf(client.query("SELECT pg_sleep(5)"));
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const terminated = await sleeping;
    expect(terminated).toMatchObject({ code: "57P01" });
    expect(databaseFailureOf(terminated)).toEqual({ outcome: "unknown", conflict: false });
    const afterwards = await failureOf(client.query("SELECT 1"));
    expect(databaseFailureOf(afterwards)).toEqual({ outcome: "unknown", conflict: false });
  });

  test("a lock not got within lock_timeout (55P03): a conflict, not applied", async () => {
    const holder = new pg.Client({ connectionString: SERVER });
    const waiter = new pg.Client({ connectionString: SERVER });
    await Promise.all([holder.connect(), waiter.connect()]);
    try {
      const key = Math.floor(Math.random() * 1_000_000_000);
      await holder.query("SELECT pg_advisory_lock($1)", [key]);
      await waiter.query("BEGIN");
      await waiter.query("SET LOCAL lock_timeout = '50ms'");
      // An advisory lock is a heavyweight lock like a row's: the same lock_timeout applies.
      const timedOut = await failureOf(waiter.query("SELECT pg_advisory_xact_lock($1)", [key]));
      expect(timedOut).toMatchObject({ code: "55P03" });
      expect(databaseFailureOf(timedOut)).toEqual({ outcome: "not_applied", conflict: true });
    } finally {
      await Promise.all([holder.end(), waiter.end()]);
    }
  });

  test("a pool with no free connection in time: not applied", async () => {
    // Long enough for the first connection to be made on a loaded machine; the second waits that long for it.
    const pool = new pg.Pool({ connectionString: SERVER, max: 1, connectionTimeoutMillis: 1000 });
    try {
      const busy = await pool.connect();
      const refused = await failureOf(pool.query("SELECT 1"));
      busy.release();
      expect(databaseFailureOf(refused)).toEqual({ outcome: "not_applied", conflict: false });
    } finally {
      await pool.end();
    }
  });

  test("a connection not made in time: not applied", async () => {
    // A port that accepts but never speaks PostgreSQL: the connection times out before any statement is sent.
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    const pool = new pg.Pool({
      connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 100,
    });
    try {
      const timedOut = await failureOf(pool.query("SELECT 1"));
      expect(timedOut).toMatchObject({ message: "Connection terminated due to connection timeout" });
      expect(databaseFailureOf(timedOut)).toEqual({ outcome: "not_applied", conflict: false });
    } finally {
      await pool.end();
      // The connection the pool gave up on stays open on this side until it is ended here.
      accepted.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  test("no server listening (ECONNREFUSED): not applied", async () => {
    const client = new pg.Client({ connectionString: "postgresql://postgres@127.0.0.1:1/postgres" });
    const refused = await failureOf(client.connect());
    expect(refused).toMatchObject({ code: "ECONNREFUSED" });
    expect(databaseFailureOf(refused)).toEqual({ outcome: "not_applied", conflict: false });
  });
});

describe("database failures as Prisma's client throws them", () => {
  test.each([
    [
      "a terminated backend under a model query",
      prismaWrapped("P2039", postgresCause("57P01", "terminating connection due to administrator command", "FATAL")),
      "unknown",
      false,
    ],
    [
      "a terminated backend under a raw query",
      prismaWrapped("P2010", postgresCause("57P01", "terminating connection due to administrator command", "FATAL")),
      "unknown",
      false,
    ],
    [
      "a lock timeout",
      prismaWrapped("P2039", postgresCause("55P03", "canceling statement due to lock timeout", "ERROR")),
      "not_applied",
      true,
    ],
    ["a connection the server closed (P1017)", prismaWrapped("P1017", { kind: "ConnectionClosed" }), "unknown", false],
    [
      "a deadlock or serialization failure (P2034)",
      prismaWrapped("P2034", { kind: "TransactionWriteConflict" }),
      "not_applied",
      true,
    ],
    [
      "the server not reachable (P1001)",
      prismaWrapped("P1001", { kind: "DatabaseNotReachable", host: "db", port: 5432 }),
      "not_applied",
      false,
    ],
    [
      "no transaction slot in time (P2028)",
      new Prisma.PrismaClientKnownRequestError("Transaction API error: Unable to start a transaction in the given time.", {
        code: "P2028",
        clientVersion: Prisma.prismaVersion.client,
      }),
      "not_applied",
      false,
    ],
    [
      "no pool connection in time (P2024)",
      new Prisma.PrismaClientKnownRequestError("Timed out fetching a new connection from the connection pool.", {
        code: "P2024",
        clientVersion: Prisma.prismaVersion.client,
      }),
      "not_applied",
      false,
    ],
  ] as const)("%s", (_name, error, outcome, conflict) => {
    expect(databaseFailureOf(error)).toEqual({ outcome, conflict });
  });

  test("what is not a database failure stays unexpected (or stays the answer it is)", () => {
    const uniqueViolation = prismaWrapped("P2002", { kind: "UniqueConstraintViolation", constraint: { fields: ["email"] } });
    expect(databaseFailureOf(uniqueViolation)).toBeNull();
    expect(databaseFailureOf(new Error("Cannot read properties of undefined"))).toBeNull();
    expect(databaseFailureOf(notFound("Order not found"))).toBeNull();
    expect(databaseFailureOf(undefined)).toBeNull();
    expect(databaseFailureError(uniqueViolation)).toBeNull();
  });
});

describe("the answer for a database failure", () => {
  const terminated = prismaWrapped("P2039", postgresCause("57P01", "terminating connection", "FATAL"));
  const lockTimeout = prismaWrapped("P2039", postgresCause("55P03", "canceling statement due to lock timeout", "ERROR"));
  const noSlot = new Prisma.PrismaClientKnownRequestError("Unable to start a transaction in the given time.", {
    code: "P2028",
    clientVersion: Prisma.prismaVersion.client,
  });

  test("a lock conflict is CONFLICT, retryable, with a wait", () => {
    expect(databaseFailureError(lockTimeout)?.extensions).toEqual({
      code: ErrorCode.CONFLICT,
      retryable: true,
      retryAfterSeconds: 1,
    });
  });

  test("a failure known not applied is SERVICE_UNAVAILABLE and retryable whoever asks", () => {
    expect(databaseFailureError(noSlot)?.extensions).toEqual({
      code: ErrorCode.SERVICE_UNAVAILABLE,
      retryable: true,
      retryAfterSeconds: 1,
    });
  });

  test("a connection lost mid-write is retryable only for an idempotent call, and says so", () => {
    const write = databaseFailureError(terminated)!;
    expect(write.extensions).toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE, retryable: false });
    expect(write.message).toMatch(/may or may not have been applied/);
    expect(databaseFailureError(terminated, true)?.extensions).toMatchObject({
      code: ErrorCode.SERVICE_UNAVAILABLE,
      retryable: true,
    });
  });

  test("no database detail reaches the message", () => {
    for (const error of [terminated, lockTimeout, noSlot])
      expect(databaseFailureError(error)!.message).not.toMatch(/57P01|55P03|prisma|lock timeout/i);
  });
});
