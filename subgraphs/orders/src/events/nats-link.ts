import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { OrderEventsSettings } from "../../../../lib/config";
import type { Logger } from "../../../../lib/logger";
import { ensureOrderStream, PUBLISH_TIMEOUT_MS } from "./order-stream";

/** How long a connection attempt may wait for the NATS server (and, in order-locks.ts, for PostgreSQL). */
export const CONNECT_TIMEOUT_MS = 2_000;

/**
 * The relay's connection to NATS: opened by the first pass that needs it (again by a later one while NATS is
 * unreachable), then reconnecting by itself, telling `onReconnect` each time it is back.
 */
export class NatsLink {
  private connection: { nc: NatsConnection; js: JetStreamClient } | null = null;
  /** False while the client is reconnecting: a publish then would only wait for its timeout. */
  private connected = false;
  private streamReady = false;

  constructor(
    private readonly settings: OrderEventsSettings,
    private readonly logger: Logger,
    private readonly onReconnect: () => void,
  ) {}

  /** JetStream, connected and with the order stream made sure of; throws while NATS is unreachable. */
  async jetStream(): Promise<JetStreamClient> {
    const { nc, js } = await this.connection$();
    if (!this.connected) throw new Error("NATS is unreachable; the client is reconnecting");
    if (!this.streamReady) {
      await ensureOrderStream(nc, this.settings);
      this.streamReady = true;
    }
    return js;
  }

  /** After a failed publish: the stream may have been deleted, so the next pass makes sure of it again. */
  streamMayBeGone(): void {
    this.streamReady = false;
  }

  async close(): Promise<void> {
    await this.connection?.nc.close().catch(() => undefined);
    this.connection = null;
  }

  private async connection$() {
    if (this.connection && !this.connection.nc.isClosed()) return this.connection;
    const nc = await connect({
      servers: this.settings.natsUrl,
      name: "orders-subgraph",
      timeout: CONNECT_TIMEOUT_MS,
      // Once connected, the client reconnects by itself for as long as it takes.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
    });
    this.logger.info({ natsUrl: this.settings.natsUrl }, "order events relay connected to NATS");
    this.streamReady = false;
    this.connected = true;
    this.connection = { nc, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }) };
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") this.connected = false;
        if (status.type === "reconnect") {
          this.connected = true;
          this.onReconnect();
        }
      }
    })();
    return this.connection;
  }
}
