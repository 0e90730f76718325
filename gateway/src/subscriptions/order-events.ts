import type { Logger } from "../../../lib/logger";

/**
 * What a subscription needs of an order event (the whole event is
 * subgraphs/orders/src/events/order-events.ts's OrderEvent, docs/events.md): which
 * order changed, and whose it is. The rest of what a subscriber sees is asked
 * of the supergraph, as the subscriber (order-subscriptions.ts).
 */
export interface OrderChange {
  orderId: string;
  userId: string;
}

/** Reads an event's JSON; null for anything without the two ids (never thrown: a bad event must not end a feed). */
export function orderChangeOf(json: string): OrderChange | null {
  try {
    const event = JSON.parse(json) as Partial<Record<keyof OrderChange, unknown>>;
    return typeof event.orderId === "string" && typeof event.userId === "string"
      ? { orderId: event.orderId, userId: event.userId }
      : null;
  } catch {
    return null;
  }
}

/** Where order events come from: NATS JetStream (nats-order-events.ts) or the orders service's feed (orders-feed.ts). */
export interface OrderEventSource {
  /** Starts delivering every order event to `emit` until the returned stop is called. */
  start(emit: (change: OrderChange) => void, logger: Logger): () => Promise<void>;
}

/**
 * One feed per gateway process, shared by all its subscriptions: the source
 * runs while at least one subscription listens, and each event goes to every
 * listener (which filters and bounds its own queue, order-subscriptions.ts).
 */
export class OrderEventHub {
  private readonly listeners = new Set<(change: OrderChange) => void>();
  private stopSource: (() => Promise<void>) | null = null;
  /** The source's stop, once begun: when the last listener leaves, close() waits for it too. */
  private stopping: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: OrderEventSource,
    private readonly logger: Logger,
  ) {}

  listen(listener: (change: OrderChange) => void): () => void {
    this.listeners.add(listener);
    this.stopSource ??= this.source.start((change) => {
      for (const each of this.listeners) each(change);
    }, this.logger);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.close();
    };
  }

  /** Stops the source; resolves once it has stopped, whoever began the stop (so a closed gateway holds no connection). */
  async close(): Promise<void> {
    const stop = this.stopSource;
    this.stopSource = null;
    if (stop) {
      // Logged, not thrown: the last listener's leaving begins a stop nobody awaits, and one failed stop (a NATS
      // connection that closed badly) must not fail every later close of the gateway.
      const stopped = stop().catch((error: unknown) =>
        this.logger.warn({ err: error }, "subscriptions: the order event source did not stop cleanly"),
      );
      this.stopping = Promise.all([this.stopping, stopped]).then(() => undefined);
    }
    await this.stopping;
  }
}

/**
 * A source's loop: runs `read` (connect, then deliver until the connection ends) again and again, a second after
 * each end or failure, until the returned stop is called; stop resolves once the last `read` has returned.
 */
export function readUntilStopped(
  read: (stopping: AbortSignal) => Promise<void>,
  failed: (error: unknown) => void,
): () => Promise<void> {
  const stopping = new AbortController();
  const run = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await read(stopping.signal);
      } catch (error) {
        if (stopping.signal.aborted) break;
        failed(error);
      }
      await pause(RETRY_MS, stopping.signal);
    }
  })();
  return async () => {
    stopping.abort();
    await run;
  };
}

const RETRY_MS = 1000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
