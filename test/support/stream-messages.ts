import type { JetStreamManager } from "@nats-io/jetstream";
import type { OrderEvent } from "../../subgraphs/orders/src/events/order-events";

export interface StreamMessage {
  subject: string;
  /** The `Nats-Msg-Id` header the relay sets: the event's id. */
  msgId: string | undefined;
  event: OrderEvent;
}

/** Every message of an order events stream, in stream order; none when the stream does not exist (yet). */
export async function streamMessages(jsm: JetStreamManager, stream: string): Promise<StreamMessage[]> {
  const info = await jsm.streams.info(stream).catch(() => null);
  if (!info) return [];
  const messages: StreamMessage[] = [];
  for (let seq = Math.max(info.state.first_seq, 1); seq <= info.state.last_seq; seq++) {
    // A sequence the stream's limits have since removed answers an error: it is simply not there any more.
    const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (message)
      messages.push({ subject: message.subject, msgId: message.header?.get("Nats-Msg-Id"), event: message.json<OrderEvent>() });
  }
  return messages;
}
