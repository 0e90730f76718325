import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import type { DatabaseConfig, OrderEventsSettings } from "../../../../lib/config";
import type { Logger } from "../../../../lib/logger";
import type { ServiceMetrics } from "../../../../lib/observability/metrics";
import { Prisma } from "../../../../prisma/orders/generated/client/client";
import type { OrdersPrisma } from "../database";
import { ensureOrderStream, publishOrderEvent, PUBLISH_TIMEOUT_MS, refusalOf } from "./order-stream";

/**
 * The relay: publishes the outbox's order events to NATS JetStream one order at a time, in outbox order, and deletes
 * each row once JetStream acknowledged it. Replicas on one PostgreSQL database split the orders between them with an
 * advisory lock per order, held on a connection of the relay's own, never across a transaction. How refusals,
 * outages, crashes and broken lock connections keep every event going out once and in order: docs/events.md,
 * "Guarantees".
 */

/** Orders claimed by one pass, events published by one pass, and how long a pass keeps publishing, at most. */
const ORDERS_PER_PASS = 50;
const EVENTS_PER_PASS = 500;
const PASS_BUDGET_MS = 20_000;
/** How long a connection attempt may wait for the NATS server. */
const CONNECT_TIMEOUT_MS = 2_000;
/** How long an order whose event JetStream refused is held back from passes, at most (doubling from one poll). */
const MAX_HOLD_BACK_MS = 60_000;
/** Key space of the per-order advisory locks (the two-int form never meets Prisma's one-bigint migration lock). */
const ORDER_LOCK_SPACE = 0x6f726576; // "orev"

export interface OrderEventRelayDeps {
  prisma: OrdersPrisma;
  /**
   * The database `prisma` is connected to. On PostgreSQL the relay opens one connection of its own to its URL, on
   * which it holds the orders' locks; PGlite is one process: no locks between relays are needed there.
   */
  database: DatabaseConfig;
  settings: OrderEventsSettings;
  logger: Logger;
  metrics: ServiceMetrics;
}

export interface OrderEventRelay {
  /** Wakes the relay now (after a transaction that wrote events has committed). */
  wake(): void;
  /** One pass now: publishes what it can claim; answers how many events it published. For tests. */
  publishPending(): Promise<number>;
  /** Stops after the pass under way and closes the NATS connection and the relay's own database connection. */
  stop(): Promise<void>;
}

export function startOrderEventRelay(deps: OrderEventRelayDeps): OrderEventRelay {
  const { prisma, settings, logger } = deps;
  const published = deps.metrics.counter(
    "shop_order_events_published_total",
    "Order events JetStream acknowledged, by whether it stored them or dropped them as duplicates",
    ["result"],
  );
  const refusedTotal = deps.metrics.counter(
    "shop_order_events_refused_total",
    "Order events JetStream refused (its API answered an error for the message); they stay in the outbox",
    ["code"],
  );
  /** Orders whose event JetStream refused: not claimed again before `until`; forgotten once one of theirs is acked. */
  const heldBack = new Map<number, { refusals: number; until: number }>();
  const holdBack = (orderId: number) => {
    const refusals = (heldBack.get(orderId)?.refusals ?? 0) + 1;
    const ms = Math.min(settings.pollSeconds * 1000 * 2 ** Math.min(refusals - 1, 16), MAX_HOLD_BACK_MS);
    heldBack.set(orderId, { refusals, until: Date.now() + ms });
  };
  /** The orders to leave out of this pass; forgets those due for longer than the longest hold (not seen since). */
  const heldBackNow = (): number[] => {
    const now = Date.now();
    const held: number[] = [];
    for (const [orderId, { until }] of heldBack) {
      if (until > now) held.push(orderId);
      else if (until + MAX_HOLD_BACK_MS < now) heldBack.delete(orderId);
    }
    return held;
  };
  let connection: { nc: NatsConnection; js: JetStreamClient } | null = null;
  /** False while the client is reconnecting: a publish then would only wait for its timeout. */
  let connected = false;
  let streamReady = false;
  let stopped = false;
  let woken = false;
  let wakeSleeper: (() => void) | null = null;
  let passUnderWay: Promise<number> | null = null;

  const connection$ = async () => {
    if (connection && !connection.nc.isClosed()) return connection;
    const nc = await connect({
      servers: settings.natsUrl,
      name: "orders-subgraph",
      timeout: CONNECT_TIMEOUT_MS,
      // Once connected, the client reconnects by itself for as long as it takes.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
    });
    logger.info({ natsUrl: settings.natsUrl }, "order events relay connected to NATS");
    streamReady = false;
    connected = true;
    connection = { nc, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }) };
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") connected = false;
        if (status.type === "reconnect") {
          connected = true;
          relay.wake(); // the backlog goes out now, not at the next poll
        }
      }
    })();
    return connection;
  };

  /** On PostgreSQL, the connection holding this relay's order locks (its session owns them); opened when needed. */
  let lockConnection: pg.Client | null = null;
  const lockConnection$ = async (url: string): Promise<pg.Client> => {
    if (lockConnection) return lockConnection;
    // Bounded like the rest of the relay: a half-open connection must not stall its passes (and its stop) for ever.
    const client = new pg.Client({
      connectionString: url,
      application_name: "orders-event-relay",
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: PUBLISH_TIMEOUT_MS,
    });
    const forget = () => {
      if (lockConnection === client) lockConnection = null;
    };
    // A broken connection ends its session, and PostgreSQL releases its locks; the next pass opens a new one.
    client.on("error", (error) => {
      if (lockConnection !== client) return; // told once is enough
      forget();
      logger.warn({ err: error }, "the order events relay lost its database connection (its order locks with it)");
    });
    client.on("end", forget);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    lockConnection = client;
    return client;
  };
  /** Releases every order lock of the pass, those on orders it then found nothing for included. Never throws. */
  const releaseLocks = async (client: pg.Client) => {
    try {
      if (lockConnection === client) {
        await client.query("SELECT pg_advisory_unlock_all()");
        return;
      }
    } catch (error) {
      logger.warn({ err: error }, "the order events relay could not release its order locks; it closes their connection");
    }
    // Ending the session releases whatever it still holds.
    if (lockConnection === client) lockConnection = null;
    await client.end().catch(() => undefined);
  };

  /**
   * Claims whole orders' unpublished events (see the top of this file), publishes them in order and deletes
   * what was acked. A refused event holds back the rest of its order and the pass goes on; any other failed
   * publish ends the pass and is returned, not thrown, so that the deletes before it still happen.
   * `claim` runs the claiming query (on PostgreSQL, on the connection whose session takes the locks);
   * `stillClaimed` answers false once that connection is lost, which stops the publishing.
   */
  const publishClaimed = async (
    claim: (query: Prisma.Sql) => Promise<{ order_id: number }[]>,
    stillClaimed: () => boolean,
    js: JetStreamClient,
  ): Promise<{ count: number; failure?: unknown }> => {
    const onlyUnlocked =
      deps.database.kind === "postgres"
        ? Prisma.sql`WHERE pg_try_advisory_lock(${ORDER_LOCK_SPACE}::int, "order_id")`
        : Prisma.empty;
    // Orders held back after a refusal are left out, so that they never take the places of orders that can go.
    const held = heldBackNow();
    const notHeldBack = held.length ? Prisma.sql`WHERE "order_id" NOT IN (${Prisma.join(held)})` : Prisma.empty;
    // The limit counts claimed orders, not candidates: the lock is tried on the oldest first, one by one (a
    // volatile function is not pushed below the sort), until enough are held, so that while another relay holds the
    // oldest orders this one moves on to the next ones rather than finding nothing. Any lock taken here is released
    // at the end of the pass (pg_advisory_unlock_all), whether or not its order turns out to have rows left.
    const claimed = await claim(Prisma.sql`
      SELECT "order_id" FROM (
        SELECT "order_id", min("position") AS "oldest" FROM "order_event_outbox"
        ${notHeldBack}
        GROUP BY "order_id" ORDER BY "oldest"
      ) AS "waiting"
      ${onlyUnlocked}
      LIMIT ${ORDERS_PER_PASS}`);
    if (claimed.length === 0) return { count: 0 };
    // Read after the locks are held: what another relay published and deleted before it released them is gone.
    const rows = await prisma.orderEventOutbox.findMany({
      where: { orderId: { in: claimed.map((row) => Number(row.order_id)) } },
      orderBy: { position: "asc" },
      take: EVENTS_PER_PASS,
    });
    const acked: bigint[] = [];
    /** Orders with an event JetStream refused in this pass: none of their later events may go before it. */
    const refusedOrders = new Set<number>();
    let failure: unknown;
    const deadline = Date.now() + PASS_BUDGET_MS;
    for (const row of rows) {
      // A slow NATS must not keep the claim for long: the next pass carries on.
      if (Date.now() > deadline) break;
      if (!stillClaimed()) {
        // The locks went with their connection: another relay may be publishing these orders now (harmless, see
        // the top of this file), so this pass stops rather than send it duplicates.
        failure = new Error("the order events relay lost the database connection holding its order locks");
        break;
      }
      if (refusedOrders.has(row.orderId)) continue;
      try {
        const { duplicate } = await publishOrderEvent(js, settings, row);
        published.inc({ result: duplicate ? "duplicate" : "stored" });
        acked.push(row.position);
        heldBack.delete(row.orderId);
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) {
          failure = error;
          break;
        }
        // This message, not NATS: its order waits (in the outbox, in order); the other orders go on.
        refusedOrders.add(row.orderId);
        holdBack(row.orderId);
        refusedTotal.inc({ code: String(refusal.code) });
        logger.error(
          { orderId: row.orderId, eventId: row.eventId, type: row.type, code: refusal.code, reason: refusal.message },
          "JetStream refused an order event; the order's events wait in the outbox until it accepts it",
        );
      }
    }
    // What JetStream acked is done even when a later publish failed; the rest waits for the next pass.
    if (acked.length) await prisma.orderEventOutbox.deleteMany({ where: { position: { in: acked } } });
    return { count: acked.length, failure };
  };

  /** A pass on PostgreSQL: the locks are session locks on the relay's own connection, released however it ends. */
  const publishWithLocks = async (url: string, js: JetStreamClient) => {
    const locks = await lockConnection$(url);
    try {
      return await publishClaimed(
        async (query) => (await locks.query<{ order_id: number }>(query.text, query.values)).rows,
        () => lockConnection === locks,
        js,
      );
    } finally {
      await releaseLocks(locks);
    }
  };

  const pass = async (): Promise<number> => {
    const { nc, js } = await connection$();
    if (!connected) throw new Error("NATS is unreachable; the client is reconnecting");
    if (!streamReady) {
      await ensureOrderStream(nc, settings);
      streamReady = true;
    }
    const { count, failure } =
      deps.database.kind === "pglite"
        ? await publishClaimed(
            (query) => prisma.$queryRaw<{ order_id: number }[]>(query),
            () => true,
            js,
          )
        : // No transaction: the locks are held by the relay's own session while the events are published.
          await publishWithLocks(deps.database.url, js);
    if (failure) {
      streamReady = false; // the stream may have been deleted: make sure of it again next time
      throw failure;
    }
    return count;
  };

  /** One pass at a time in this process: a second caller waits for the one under way, then runs its own. */
  const publishPending = async (): Promise<number> => {
    while (passUnderWay) await passUnderWay.catch(() => undefined);
    passUnderWay = pass();
    try {
      return await passUnderWay;
    } finally {
      passUnderWay = null;
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = null;
        resolve();
      }
      wakeSleeper = done;
    });

  const runLoop = async () => {
    let failures = 0;
    while (!stopped) {
      woken = false;
      let more = false;
      try {
        // A pass that published something may have left more (other orders, a later page): look again at once.
        more = (await publishPending()) > 0;
        if (failures > 0) logger.info("order events relay publishes again");
        failures = 0;
      } catch (error) {
        // NATS or the database is away: events wait in the outbox, in order, for the next pass.
        if (failures++ === 0) logger.warn({ err: error }, "order events relay cannot publish; events wait in the outbox");
      }
      if (!more) await sleep(settings.pollSeconds * 1000);
    }
  };

  const relay: OrderEventRelay = {
    wake() {
      woken = true;
      wakeSleeper?.();
    },
    publishPending,
    async stop() {
      stopped = true;
      wakeSleeper?.();
      await loop;
      await connection?.nc.close().catch(() => undefined);
      connection = null;
      const locks = lockConnection;
      lockConnection = null;
      await locks?.end().catch(() => undefined);
    },
  };
  const loop = runLoop();
  return relay;
}
