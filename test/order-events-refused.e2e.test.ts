import crypto from "node:crypto";
import { DiscardPolicy, jetstreamManager, type JetStreamManager, type StreamUpdateConfig } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { MAX_HOLD_BACK_MS } from "../subgraphs/orders/src/events/outbox-pass";
import { DUPLICATE_WINDOW_MS } from "../subgraphs/orders/src/events/order-stream";
import { useMovableClock } from "./support/clock";
import { BACKENDS } from "./support/databases";
import { createProduct, moveOrder, placeOrder, registerUser } from "./support/fixtures";
import { metricValue, scrape } from "./support/metrics";
import { streamMessages } from "./support/stream-messages";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

/**
 * An event JetStream refuses (docs/events.md, "In order per order") holds
 * back only its own order: on the real NATS JetStream at TEST_NATS_URL, with a
 * stream of the test's own whose limits refuse one order's events, the other
 * orders' events are published, the refused order's stay in the outbox (none
 * of its later events goes out before the refused one), and once the stream's
 * limit is raised they go out, in order.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
/** The stream's max_msg_size at first: a one-line order's event (about 400 bytes with headers) fits, a 30-line one's does not. */
const MAX_MSG_SIZE = 1024;

describe.each(BACKENDS)("order events JetStream refuses (%s)", (backend) => {
  const run = crypto.randomBytes(4).toString("hex");
  const stream = `ORDERS_REFUSED_${run}`;
  const subjectPrefix = `test_refused_${run}.orders`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    // Made before the relay connects, as the operator would: the relay keeps its limits (it only sets the subjects and
    // the duplicate window, given here as it wants them).
    await jsm.streams.add({
      name: stream,
      subjects: [`${subjectPrefix}.>`],
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_msg_size: MAX_MSG_SIZE,
    });
  });
  const platform = usePlatform(backend, {
    env: { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: subjectPrefix, ORDERS_EVENTS_POLL_SECONDS: "1" },
  });
  // Declared after the platform's, so run after it has stopped.
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });
  const moveClockOn = useMovableClock();

  const outbox = () => platform.subgraphs.orders.database.prisma.orderEventOutbox;
  /**
   * A pass, at once, that leaves no order out: an order whose event was refused is held back from passes for one
   * poll, then two, four ... (outbox-pass.ts), read off Date.now(), so the clock is moved past the longest hold
   * rather than waited out, and the pass is run here rather than at the next poll.
   */
  const passAfterHoldBacks = async () => {
    moveClockOn(MAX_HOLD_BACK_MS + 1);
    await platform.subgraphs.orders.eventRelay!.publishPending();
  };
  const waitingOf = async (orderId: string) =>
    (await outbox().findMany({ where: { orderId: Number(orderId) }, orderBy: { position: "asc" } })).map((row) => row.type);
  const refusals = async () => metricValue(await scrape(platform.subgraphs.orders.url), "shop_order_events_refused_total") ?? 0;
  const changeStream = async (changes: Partial<StreamUpdateConfig>) => {
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, ...changes });
  };

  const published = () => streamMessages(jsm, stream);
  /** Each of these orders' statuses as published, in stream order. */
  const statusesPublished = async (orderIds: string[]) => {
    const messages = await published();
    return Object.fromEntries(
      orderIds.map((id) => [id, messages.filter((m) => m.event.orderId === id).map((m) => m.event.newStatus)]),
    );
  };
  /** Waits until exactly these statuses (in this order) are published for these orders; fails when it takes 30 s. */
  async function untilPublished(expected: Record<string, string[]>) {
    await until(
      async () => JSON.stringify(await statusesPublished(Object.keys(expected))) === JSON.stringify(expected),
      30_000,
    ).catch(async (error) => {
      expect(await statusesPublished(Object.keys(expected))).toEqual(expected); // shows what did arrive
      throw error;
    });
  }

  test("an event larger than the stream's max_msg_size holds back its own order only, and goes out in order once the limit is raised", async () => {
    const gql = platform.client();
    const userId = await registerUser(gql);
    const small = await createProduct(gql, { name: "Pencil", price: "1.50", stockQuantity: 100 });
    const many: string[] = [];
    for (let i = 0; i < 30; i++) many.push(await createProduct(gql, { name: `Part ${i}`, price: "2.00", stockQuantity: 10 }));
    const refusedBefore = await refusals();

    // Interleaved, so that the big order's events sit between the others' in the outbox.
    const before = await placeOrder(gql, userId, [{ productId: small, quantity: 1 }]);
    const big = await placeOrder(
      gql,
      userId,
      many.map((productId) => ({ productId, quantity: 1 })),
    );
    const after = await placeOrder(gql, userId, [{ productId: small, quantity: 2 }]);
    await moveOrder(gql, big, "PROCESSING");
    await moveOrder(gql, before, "PROCESSING");
    await moveOrder(gql, after, "SHIPPED");

    await untilPublished({ [before]: ["PENDING", "PROCESSING"], [after]: ["PENDING", "SHIPPED"] });
    await until(async () => (await refusals()) > refusedBefore);
    // The premise: the big order's events are too large for the stream, the others' are far from it.
    const bigRows = await outbox().findMany({ where: { orderId: Number(big) } });
    for (const row of bigRows) expect(Buffer.byteLength(JSON.stringify(row.payload))).toBeGreaterThan(MAX_MSG_SIZE);
    // Nothing of the big order went out, and all of it waits in the outbox, in order.
    expect((await statusesPublished([big]))[big]).toEqual([]);
    expect(await waitingOf(big)).toEqual(["placed", "status_changed"]);

    // The operator raises the limit; the relay keeps it, and the held-back order goes out at the next pass.
    await changeStream({ max_msg_size: -1 });
    await passAfterHoldBacks();
    await untilPublished({
      [before]: ["PENDING", "PROCESSING"],
      [after]: ["PENDING", "SHIPPED"],
      [big]: ["PENDING", "PROCESSING"],
    });
    // Its rows are deleted once the pass's last ack is back, which can be just after the stream has them.
    await until(async () => (await waitingOf(big)).length === 0, 30_000);
    expect((await jsm.streams.info(stream)).config.max_msg_size).toBe(-1);
  });

  test("a refused event's later events are never published before it, though the stream would take them", async () => {
    // A per-subject limit refuses the second `placed` message but would take a `status_changed` one: the relay must
    // not publish the refused order's status_changed event ahead of its placed one.
    const gql = platform.client();
    await until(async () => (await outbox().count()) === 0, 30_000);
    await jsm.streams.purge(stream);
    await changeStream({ max_msgs_per_subject: 1, discard: DiscardPolicy.New, discard_new_per_subject: true });
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Rubber", price: "0.80", stockQuantity: 100 });

    const first = await placeOrder(gql, userId, [{ productId: product, quantity: 1 }]);
    await untilPublished({ [first]: ["PENDING"] });
    const refusedBefore = await refusals();
    const held = await placeOrder(gql, userId, [{ productId: product, quantity: 2 }]);
    await until(async () => (await refusals()) > refusedBefore);
    await moveOrder(gql, held, "PROCESSING");
    await moveOrder(gql, first, "CANCELLED");
    // A pass that starts after the move was committed, and after the held order's hold, reads its status_changed
    // event too, and is refused again.
    const refusedAtMove = await refusals();
    await passAfterHoldBacks();
    expect(await refusals()).toBeGreaterThan(refusedAtMove);
    // The other order went on; the held one has nothing out, and its status_changed subject is still empty.
    await untilPublished({ [first]: ["PENDING", "CANCELLED"], [held]: [] });
    expect((await published()).map((m) => m.subject)).toEqual([`${subjectPrefix}.placed`, `${subjectPrefix}.cancelled`]);
    expect(await waitingOf(held)).toEqual(["placed", "status_changed"]);

    await changeStream({ max_msgs_per_subject: -1, discard: DiscardPolicy.Old, discard_new_per_subject: false });
    await passAfterHoldBacks();
    await untilPublished({ [first]: ["PENDING", "CANCELLED"], [held]: ["PENDING", "PROCESSING"] });
    await until(async () => (await waitingOf(held)).length === 0, 30_000);
  });
});
