import type { DatabaseConfig, OrderEventsSettings } from "../../../../lib/config";
import type { Logger } from "../../../../lib/logger";
import type { ServiceMetrics } from "../../../../lib/observability/metrics";
import type { OrdersPrisma } from "../database";
import { Prisma } from "../../../../prisma/orders/generated/client/client";
import { NatsLink } from "./nats-link";
import { OrderLocks } from "./order-locks";
import { OutboxPass } from "./outbox-pass";

/**
 * The relay: publishes the outbox's order events to NATS JetStream one order at a time, in outbox order, and deletes
 * each row once JetStream acknowledged it; one pass (outbox-pass.ts) at a time, woken after commits, otherwise polling.
 * On PostgreSQL, replicas split the orders with an advisory lock per order held on a connection of the relay's own
 * (order-locks.ts), never across a transaction. How refusals, outages, crashes and broken lock connections keep every
 * event going out once and in order: docs/events.md, "Guarantees".
 */

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
  const { prisma, database, settings, logger } = deps;
  const outbox = new OutboxPass({
    prisma,
    settings,
    logger,
    published: deps.metrics.counter(
      "shop_order_events_published_total",
      "Order events JetStream acknowledged, by whether it stored them or dropped them as duplicates",
      ["result"],
    ),
    refused: deps.metrics.counter(
      "shop_order_events_refused_total",
      "Order events JetStream refused (its API answered an error for the message); they stay in the outbox",
      ["code"],
    ),
  });
  const nats = new NatsLink(settings, logger, () => relay.wake()); // the backlog goes out now, not at the next poll
  const locks = database.kind === "postgres" ? new OrderLocks(database.url, logger) : null;
  let stopped = false;
  let woken = false;
  let wakeSleeper: (() => void) | null = null;
  let passUnderWay: Promise<number> | null = null;

  const pass = async (): Promise<number> => {
    const js = await nats.jetStream();
    const { count, failure } = locks
      ? // No transaction: the locks are held by the relay's own session while the events are published.
        await locks.withSession((claim) => outbox.publishClaimed(claim, js))
      : // PGlite is one process: one relay, nothing to lock against.
        await outbox.publishClaimed(
          { run: (query) => prisma.$queryRaw<{ order_id: number }[]>(query), onlyUnlocked: Prisma.empty, stillHeld: () => true },
          js,
        );
    if (failure) {
      nats.streamMayBeGone(); // the stream may have been deleted: make sure of it again next time
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
      await nats.close();
      await locks?.close();
    },
  };
  const loop = runLoop();
  return relay;
}
