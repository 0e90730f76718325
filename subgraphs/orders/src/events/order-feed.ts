import { Router, type Response } from "express";
import type { Logger } from "../../../../lib/logger";
import type { OrdersPrisma } from "../database";

/**
 * The live feed of order events for the gateway's subscriptions when there is
 * no NATS (the embedded default of `npm start`): `GET /internal/order-events`,
 * a stream of server-sent events, one `data:` line of an OrderEvent
 * (order-events.ts) per change, answered to the platform's service credential
 * only (subgraph-server.ts checks it). It tails the outbox the changes write in
 * their own transaction: woken by the commit path (`wake()`, as the NATS
 * relay is) and polling every second for changes made by other replicas.
 *
 * Outbox positions come from a sequence, so a transaction that took a lower
 * position can commit after one with a higher position was read. Each pass
 * therefore reads again the last LOOKBACK positions (more than the
 * transactions that can be open at once) and skips the ones it already sent.
 * What a gateway misses while it is disconnected is not replayed: this is a
 * live feed; NATS (docs/events.md) is the durable one.
 */
const LOOKBACK = 200n;
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;

export class OrderFeed {
  private readonly listeners = new Set<Response>();
  /** Positions above `floor` already sent; null until the first pass after a listener came, which sends nothing. */
  private sent: Set<bigint> | null = null;
  private floor = 0n;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: OrdersPrisma,
    private readonly logger: Logger,
  ) {}

  /** Called once changes committed: sends their events now rather than at the next poll. */
  wake(): void {
    if (this.listeners.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.logger.warn({ err: error }, "the order feed could not read the outbox"))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Mounted under /internal (subgraph-server.ts): GET /internal/order-events. */
  routes(): Router {
    const router = Router();
    router.get("/order-events", (req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(": connected\n\n");
      this.listeners.add(res);
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      if (!this.timer) this.timer = setInterval(() => this.wake(), POLL_MS);
      this.wake();
      req.on("close", () => {
        clearInterval(heartbeat);
        this.listeners.delete(res);
        if (this.listeners.size === 0) this.reset();
      });
    });
    return router;
  }

  async stop(): Promise<void> {
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
    this.reset();
    await this.running;
  }

  private reset() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sent = null;
    this.floor = 0n;
  }

  private async pass(): Promise<void> {
    const priming = this.sent === null;
    const rows = await this.prisma.orderEventOutbox.findMany({
      where: priming ? undefined : { position: { gt: this.floor } },
      orderBy: { position: priming ? "desc" : "asc" },
      take: priming ? Number(LOOKBACK) : undefined,
      select: { position: true, payload: true },
    });
    const sent = this.sent ?? new Set<bigint>();
    for (const row of priming ? rows.reverse() : rows) {
      if (sent.has(row.position)) continue;
      sent.add(row.position);
      if (!priming) this.send(`data: ${JSON.stringify(row.payload)}\n\n`);
    }
    const highest = rows.reduce((top, row) => (row.position > top ? row.position : top), this.floor + LOOKBACK);
    this.floor = highest - LOOKBACK;
    for (const position of sent) if (position <= this.floor) sent.delete(position);
    if (this.listeners.size > 0) this.sent = sent;
  }

  private send(chunk: string) {
    for (const listener of this.listeners) listener.write(chunk);
  }
}
