import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { z } from "zod";
import { readEnv } from "../../lib/config";
import { ensureOrderStream, subjectOf } from "../../subgraphs/orders/src/events/order-stream";
import { OrderEvent } from "../../subgraphs/orders/src/events/order-events";

/**
 * An example consumer of order events (docs/events.md): a durable JetStream
 * consumer that prints a notification per event and acknowledges it. Stopped
 * and started again under the same name, it carries on after the last event
 * it acknowledged.
 *
 *   npm run events:consume -- [--durable <name>]    (NATS_URL, NATS_STREAM, NATS_SUBJECT_PREFIX as for the orders service)
 */
async function main(args: string[]): Promise<void> {
  const env = readEnv();
  const durable = args.includes("--durable") ? args[args.indexOf("--durable") + 1] : "order-notifications";
  if (!durable) throw new Error("usage: npm run events:consume -- [--durable <name>]");
  const settings = { stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX };
  // No default: a durable consumer made on some other NATS would wait there for events that never come.
  if (!env.NATS_URL) {
    throw new Error(
      "NATS_URL is not set: set it to the NATS server the orders service publishes to (the same NATS_URL), e.g.\n" +
        "  NATS_URL=nats://127.0.0.1:4222 npm run events:consume",
    );
  }
  const nc = await connect({ servers: env.NATS_URL, name: `order-events-consumer/${durable}` });
  // The orders service creates the stream when it first connects; this lets the example start first. An existing
  // stream is left as the orders service set it up.
  await ensureOrderStream(nc, settings, { correctExisting: false });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(settings.stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjectOf(settings, ">"),
  });
  const consumer = await jetstream(nc).consumers.get(settings.stream, durable);
  const messages = await consumer.consume();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void messages.close());
  console.log(
    `durable consumer "${durable}" on stream ${settings.stream} (${subjectOf(settings, ">")}) at ${env.NATS_URL}; Ctrl-C stops`,
  );

  for await (const message of messages) {
    const parsed = OrderEvent.safeParse(jsonOf(message.data));
    if (!parsed.success) {
      // Not an order event this consumer understands: say so, and do not have it redelivered forever.
      console.error(`seq ${message.seq} on ${message.subject} is not an order event:\n${z.prettifyError(parsed.error)}`);
      message.term();
      continue;
    }
    // Delivery is at least once (a redelivery after a lost ack repeats an event): a real consumer dedupes on event.id.
    console.log(notification(parsed.data));
    message.ack();
  }
  await nc.drain();
}

function jsonOf(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

function notification(event: OrderEvent): string {
  const who = `order ${event.orderId} (user ${event.userId})`;
  const what = {
    placed: `placed: ${event.lines.length} line(s), total ${event.totalAmount}`,
    status_changed: `moved ${event.oldStatus} → ${event.newStatus}`,
    cancelled: `cancelled (was ${event.oldStatus})`,
  }[event.type];
  return `${event.occurredAt} ${who} ${what}`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
