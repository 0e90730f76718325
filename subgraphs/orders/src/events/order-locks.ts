import pg from "pg";
import type { Logger } from "../../../../lib/logger";
import { Prisma } from "../../../../prisma/orders/generated/client/client";
import { CONNECT_TIMEOUT_MS } from "./nats-link";
import { PUBLISH_TIMEOUT_MS } from "./order-stream";
import type { OrderClaim } from "./outbox-pass";

/** Key space of the per-order advisory locks (the two-int form never meets Prisma's one-bigint migration lock). */
const ORDER_LOCK_SPACE = 0x6f726576; // "orev"

/** The claiming query's filter: keeps the orders whose lock the session running it takes. */
const ONLY_UNLOCKED_ORDERS = Prisma.sql`WHERE pg_try_advisory_lock(${ORDER_LOCK_SPACE}::int, "order_id")`;

/**
 * On PostgreSQL, the connection of the relay's own that holds its per-order advisory locks (its session owns them,
 * never across a transaction); opened when a pass needs it, again after it was lost.
 */
export class OrderLocks {
  private client: pg.Client | null = null;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs a pass whose locks are session locks on this connection, and releases them however it ends: its claim runs
   * there (the session takes the locks), and is held while that connection lives.
   */
  async withSession<T>(pass: (claim: OrderClaim) => Promise<T>): Promise<T> {
    const client = await this.connection$();
    try {
      return await pass({
        run: async (query) => (await client.query<{ order_id: number }>(query.text, query.values)).rows,
        onlyUnlocked: ONLY_UNLOCKED_ORDERS,
        stillHeld: () => this.client === client,
      });
    } finally {
      await this.release(client);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connection$(): Promise<pg.Client> {
    if (this.client) return this.client;
    // Bounded like the rest of the relay: a half-open connection must not stall its passes (and its stop) for ever.
    const client = new pg.Client({
      connectionString: this.url,
      application_name: "orders-event-relay",
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: PUBLISH_TIMEOUT_MS,
    });
    const forget = () => {
      if (this.client === client) this.client = null;
    };
    // A broken connection ends its session, and PostgreSQL releases its locks; the next pass opens a new one.
    client.on("error", (error) => {
      if (this.client !== client) return; // told once is enough
      forget();
      this.logger.warn({ err: error }, "the order events relay lost its database connection (its order locks with it)");
    });
    client.on("end", forget);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  /** Releases every order lock of the pass, those on orders it then found nothing for included. Never throws. */
  private async release(client: pg.Client): Promise<void> {
    try {
      if (this.client === client) {
        await client.query("SELECT pg_advisory_unlock_all()");
        return;
      }
    } catch (error) {
      this.logger.warn({ err: error }, "the order events relay could not release its order locks; it closes their connection");
    }
    // Ending the session releases whatever it still holds.
    if (this.client === client) this.client = null;
    await client.end().catch(() => undefined);
  }
}
