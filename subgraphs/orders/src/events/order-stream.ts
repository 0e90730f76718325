import { jetstreamManager, JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import type { OrderEventOutbox } from "../../../../prisma/orders/generated/client/client";
import type { OrderEventType } from "./order-events";

// The order events' stream on NATS JetStream: its subjects, its set-up, one publish, and which failures are
// JetStream refusing a message rather than being away (docs/events.md, "Subjects and stream").

/** How long JetStream has to deduplicate a republished event; consumers deduplicate by id beyond it. */
export const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;
/** How long a publish may wait for JetStream's ack. */
export const PUBLISH_TIMEOUT_MS = 5_000;

export interface OrderStreamSettings {
  stream: string;
  subjectPrefix: string;
}

export const subjectOf = (settings: OrderStreamSettings, type: OrderEventType | string) => `${settings.subjectPrefix}.${type}`;

/**
 * Creates the stream of order events, or (for its producer, the relay) brings an existing one's subjects and
 * duplicate window to what they should be. A consumer passes `{ correctExisting: false }`: the stream's settings are
 * the producer's, and a consumer configured otherwise must not change them under it.
 */
export async function ensureOrderStream(
  nc: NatsConnection,
  settings: OrderStreamSettings,
  { correctExisting = true }: { correctExisting?: boolean } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = { subjects: [subjectOf(settings, ">")], duplicate_window: nanos(DUPLICATE_WINDOW_MS) };
  try {
    const { config } = await jsm.streams.info(settings.stream);
    if (!correctExisting) return;
    const same =
      config.duplicate_window === wanted.duplicate_window &&
      JSON.stringify(config.subjects ?? []) === JSON.stringify(wanted.subjects);
    if (!same) await jsm.streams.update(settings.stream, { ...config, ...wanted });
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add({ name: settings.stream, ...wanted });
  }
}

/** nats-server's codes for JetStream itself being away, which @nats-io/jetstream does not name. */
const JETSTREAM_TEMPORARILY_UNAVAILABLE = 10008;
const JETSTREAM_NO_LEADER = 10009;
/**
 * JetStream answers these for any message while the stream or JetStream itself is away, not about the message:
 * the stream is gone (it is made again at the next pass), JetStream is off for the account, temporarily
 * unavailable, or has no leader.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  JetStreamApiCodes.StreamNotFound,
  JetStreamApiCodes.JetStreamNotEnabledForAccount,
  JETSTREAM_TEMPORARILY_UNAVAILABLE,
  JETSTREAM_NO_LEADER,
]);

/**
 * The error, when a failed publish is JetStream refusing that one message: its API answered an error for it
 * (`message size exceeds maximum allowed`, `maximum messages per subject exceeded` …). Null for a connectivity
 * failure (timeout, no responders, disconnected) or an error about the stream as a whole.
 */
export function refusalOf(error: unknown): JetStreamApiError | null {
  return error instanceof JetStreamApiError && !UNAVAILABLE_CODES.has(error.code) ? error : null;
}

/** Publishes one outbox row; resolves once JetStream has stored it (or found it a duplicate of one it stored). */
export async function publishOrderEvent(
  js: JetStreamClient,
  settings: OrderStreamSettings,
  row: Pick<OrderEventOutbox, "eventId" | "type" | "payload">,
): Promise<{ duplicate: boolean }> {
  const ack = await js.publish(subjectOf(settings, row.type), JSON.stringify(row.payload), {
    msgID: row.eventId,
    expect: { streamName: settings.stream },
    timeout: PUBLISH_TIMEOUT_MS,
  });
  return { duplicate: ack.duplicate };
}
