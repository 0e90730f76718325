import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { IsolationLevel, SqlDriverAdapterFactory, SqlQuery, SqlQueryable, Transaction } from "@prisma/driver-adapter-utils";
import type { Histogram } from "prom-client";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { DatabaseConfig } from "../../lib/config";
import type { Logger } from "../../lib/logger";
import type { ServiceMetrics } from "../../lib/observability/metrics";
import { isRunning } from "../../lib/processes";
import { applyPendingMigrations, type SqlExecutor } from "./migrations";
import { ensureCluster } from "./pglite-template";

/**
 * Opens a subgraph's database: picks the driver adapter (PostgreSQL server or
 * embedded PGlite), applies pending migrations, and creates the Prisma client.
 * Written once, used by all three subgraphs.
 */

/** The slice of a generated PrismaClient this module needs. */
export interface PrismaLike {
  $disconnect(): Promise<void>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface Database<Client extends PrismaLike> {
  prisma: Client;
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions<Client extends PrismaLike> {
  config: DatabaseConfig;
  migrationsDir: string;
  logger: Logger;
  /** Query latency and, on PostgreSQL, the connection pool's use are recorded here. */
  metrics: ServiceMetrics;
  /** `(adapter) => new PrismaClient({ adapter })` from the subgraph's generated client. */
  createClient(adapter: SqlDriverAdapterFactory): Client;
}

/**
 * Prisma's query compiler is a WebAssembly module. By default V8 compiles it
 * twice: quickly (Liftoff), then again optimised (TurboFan) in the background,
 * and keeps both. Measured on a subgraph (docs/benchmarks.md): the second
 * compilation costs about 50 MB resident per process and CPU at start-up, and
 * buys no measurable speed, since the statements it plans are cached. Set
 * before the first client compiles the module; applies to this process only.
 */
v8.setFlagsFromString("--liftoff-only");

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) touches all of its shared buffers at start: at PostgreSQL's default
 * 128 MB each embedded database held about 330 MiB resident, at 16 MB about 190 (docs/benchmarks.md, "Memory").
 * An embedded database is one small shop's or one developer's; its files are cached by the OS anyway.
 */
const EMBEDDED_SERVER_SETTINGS = ["-c", "shared_buffers=16MB"];

/** Prisma's default wait for a transaction's connection (`maxWait`); plain statements wait as long. */
const POOL_WAIT_MS = 2_000;

export async function openDatabase<Client extends PrismaLike>(options: OpenDatabaseOptions<Client>): Promise<Database<Client>> {
  const { config, migrationsDir, logger, metrics } = options;
  let adapter: SqlDriverAdapterFactory;
  let closeDriver: () => Promise<void>;

  if (config.kind === "postgres") {
    const migrationClient = new pg.Client({ connectionString: config.url });
    await migrationClient.connect();
    try {
      await applyPendingMigrations(postgresExecutor(migrationClient), migrationsDir, logger);
    } finally {
      await migrationClient.end();
    }
    // Our own pool (PrismaPg would make one too) so that its use can be watched.
    // A statement waits for a free connection as long as Prisma lets a transaction wait for one (its maxWait, 2 s),
    // not for ever: a queue of requests on a busy pool then answers SERVICE_UNAVAILABLE, retryable, rather than
    // running past the gateway's timeout.
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize, connectionTimeoutMillis: POOL_WAIT_MS });
    metrics.gauge("db_pool_connections", "Database connections of the pool, by state", ["state"], (gauge) => {
      gauge.set({ state: "total" }, pool.totalCount);
      gauge.set({ state: "idle" }, pool.idleCount);
      gauge.set({ state: "waiting" }, pool.waitingCount);
    });
    // An idle connection the server ends (a restart, a failover) is an 'error' event on the pool, which drops that
    // connection and opens a new one when next needed (test/database-connections.e2e.test.ts). PrismaPg listens
    // only while its client is connected; this listener also covers start-up and shutdown, so that no such event
    // is ever unheard (which would stop the process), and operators see it in the log.
    pool.on("error", (error) => logger.warn({ err: error }, "the database ended an idle connection; the pool opens a new one"));
    // A connection the server ends while it is checked out but between two statements (say, PrismaPg's transaction
    // released after its COMMIT) has no listener of the pool's or Prisma's: without this one the 'error' event would
    // stop the process (test/orders-database-faults.e2e.test.ts). The statement that next uses it fails, and is
    // answered as a database failure (database-errors.ts).
    pool.on("connect", (client) =>
      client.on("error", (error) => logger.warn({ err: error }, "the database ended a connection in use")),
    );
    adapter = new PrismaPg(pool);
    closeDriver = () => pool.end();
  } else {
    if (config.dataDir) await ensureCluster(config.dataDir);
    const release = config.dataDir ? holdDataDir(config.dataDir) : () => undefined;
    const pglite = new PGlite(config.dataDir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SERVER_SETTINGS] });
    try {
      await pglite.waitReady;
      await applyPendingMigrations(pgliteExecutor(pglite), migrationsDir, logger);
    } catch (error) {
      await pglite.close().catch(() => undefined);
      release();
      throw error;
    }
    adapter = new PrismaPGlite(pglite);
    const close = closeWhenIdle(pglite);
    closeDriver = () => close().finally(release);
  }

  const statementDuration = metrics.histogram("db_query_duration_seconds", "Time the database took to answer a statement");
  const transactionStatements = metrics.histogram(
    "db_transaction_statements",
    "Statements sent inside each interactive transaction, its COMMIT or ROLLBACK included (round trips while its locks are held)",
    [],
    [1, 2, 3, 4, 5, 6, 8, 10, 15, 20],
  );
  const prisma = options.createClient(timedAdapter(adapter, statementDuration, transactionStatements));

  return {
    prisma,
    isHealthy: async () => {
      try {
        await prisma.$queryRawUnsafe("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

/**
 * Times every statement the driver adapter sends (its count is the number of
 * statements, which the bench and the query-count test read from /metrics).
 * Wrapping the adapter rather than listening to Prisma's query events keeps
 * the client free of per-query event objects and sees statements inside
 * transactions too (the COMMIT among them; PostgreSQL's adapter sends BEGIN
 * before handing the transaction out). Each interactive transaction's
 * statements are also counted, as one observation when it ends: a row lock
 * taken inside one is held across that many round trips.
 */
function timedAdapter(
  factory: SqlDriverAdapterFactory,
  duration: Histogram,
  transactionStatements: Histogram,
): SqlDriverAdapterFactory {
  const timed = <Queryable extends SqlQueryable>(queryable: Queryable, onStatement?: () => void): Queryable => {
    const { queryRaw, executeRaw } = queryable;
    return Object.assign(Object.create(queryable) as Queryable, {
      queryRaw: (query: SqlQuery) => (onStatement?.(), observe(() => queryRaw.call(queryable, query))),
      executeRaw: (query: SqlQuery) => (onStatement?.(), observe(() => executeRaw.call(queryable, query))),
    });
  };
  const counted = (transaction: Transaction): Transaction => {
    let statements = 0;
    const { commit, rollback } = transaction;
    return Object.assign(
      timed(transaction, () => (statements += 1)),
      {
        commit: () => (transactionStatements.observe(statements), commit.call(transaction)),
        rollback: () => (transactionStatements.observe(statements), rollback.call(transaction)),
      },
    );
  };
  const observe = async <Result>(statement: () => Promise<Result>): Promise<Result> => {
    const stopTimer = duration.startTimer();
    try {
      return await statement();
    } finally {
      stopTimer();
    }
  };
  return Object.assign(Object.create(factory) as SqlDriverAdapterFactory, {
    connect: async () => {
      const connection = await factory.connect();
      const { startTransaction } = connection;
      return Object.assign(timed(connection), {
        startTransaction: async (isolationLevel?: IsolationLevel) =>
          counted(await startTransaction.call(connection, isolationLevel)),
      });
    },
  });
}

/** Refused: another process has this embedded database open (a running platform, when create-admin is run). */
export class DatabaseHeldError extends Error {}

/** Beside PGlite's files: PGlite's own postmaster.pid names no real process (always -42). */
const HOLDER_FILE = "held-by.pid";

/**
 * One process at a time may open an embedded database: a second one would write to files the first keeps in
 * memory, and its writes would be lost or corrupt them (`npm run create-admin` while `npm start` runs, two
 * platforms on one DATA_DIR). The holder's pid is written into the data directory and removed on close; a file
 * whose process is gone (SIGKILL, a power cut), or is no Node.js process, is stale and taken over.
 */
export function holdDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, HOLDER_FILE);
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(fs.readFileSync(file, "utf8").trim());
    // The same process may reopen its own database (tests restart a subgraph in one process).
    if (holder === process.pid) return () => undefined;
    if (isRunning(holder) && mayBeNode(holder)) {
      throw new DatabaseHeldError(
        `The embedded database in ${dataDir} is open in process ${holder} (a running platform?): ` +
          "only one process at a time may use it, and a change made beside it would be lost. Stop that process " +
          `(Ctrl-C in its terminal, or kill ${holder}) and try again.`,
      );
    }
    fs.rmSync(file, { force: true });
  }
}

/** After a reboot the pid of a stale file may be some other program's; where /proc says so, it holds nothing. */
function mayBeNode(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node");
  } catch {
    return true; // no /proc (not Linux), or not ours to read: believe the file
  }
}

/**
 * PGlite's close() does not wait for the statements under way (a /health check, a request), and a statement that
 * resumes after it loops forever in PGlite's WebAssembly on the main thread: the process then spins at full CPU and
 * never runs another signal handler (the orphaned subgraphs of issue 23). So the PGlite methods the adapter and the
 * migrations call are counted, new ones refused once closing, and the close waits for the last one.
 */
function closeWhenIdle(pglite: PGlite): () => Promise<void> {
  let running = 0;
  let closing = false;
  let idle: (() => void) | undefined;
  for (const method of ["query", "exec", "transaction"] as const) {
    const original = pglite[method].bind(pglite) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(pglite, {
      [method]: async (...args: unknown[]) => {
        if (closing) throw new Error("The database is closing");
        running += 1;
        try {
          return await original(...args);
        } finally {
          running -= 1;
          if (running === 0) idle?.();
        }
      },
    });
  }
  return async () => {
    closing = true;
    if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
    await pglite.close();
  };
}

export function postgresExecutor(client: pg.Client): SqlExecutor {
  return {
    query: async (sql, params) => (await client.query(sql, params)).rows,
    exec: async (script) => {
      await client.query(script);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await db.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
  };
}
