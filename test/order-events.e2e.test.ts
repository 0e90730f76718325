import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { GraphQLClient } from "graphql-request";
import type { OrderStatus } from "../lib/__generated__/public-api-tests/graphql";
import { createLogger } from "../lib/logger";
import { ServiceMetrics } from "../lib/observability/metrics";
import { openOrdersDatabase } from "../subgraphs/orders/src/database";
import { startOrderEventRelay } from "../subgraphs/orders/src/events/order-event-relay";
import { publishOrderEvent } from "../subgraphs/orders/src/events/order-stream";
import { orderEventJsonSchema } from "../subgraphs/orders/src/events/order-events";
import { BACKENDS } from "./support/databases";
import { createProduct, moveOrder, placeOrder, registerUser } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { metricValue, scrape } from "./support/metrics";
import { CREATE_ORDER, ORDER_HISTORY } from "./support/operations";
import { usePlatform } from "./support/use-platform";
import { streamMessages } from "./support/stream-messages";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy";
import { eventually, until } from "./support/until";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/**
 * Order events (docs/events.md) on the real NATS JetStream at TEST_NATS_URL,
 * reached through a TCP proxy the tests take away and bring back. Each run
 * uses its own stream and subjects and deletes the stream afterwards.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const SCHEMA_FILE = path.resolve(__dirname, "../docs/order-event.schema.json");

test("docs/order-event.schema.json is the JSON Schema derived from the event's definition in code", () => {
  const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
  // When this fails after a change to OrderEvent, write the file again:
  //   npx tsx -e 'console.log(JSON.stringify(require("./subgraphs/orders/src/events/order-events").orderEventJsonSchema(), null, 2))' > docs/order-event.schema.json
  expect(committed).toEqual(orderEventJsonSchema());
});

describe.each(BACKENDS)("order events on NATS JetStream (%s)", (backend) => {
  const run = crypto.randomBytes(4).toString("hex");
  const stream = `ORDERS_TEST_${run}`;
  const subjectPrefix = `test_${run}.orders`;
  const validate = addFormats(new Ajv2020({ strict: true })).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
  let proxy: TcpProxy;
  let gql: GraphQLClient;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;

  beforeAll(async () => {
    const nats = new URL(NATS_URL);
    proxy = await startTcpProxy({ host: nats.hostname, port: Number(nats.port || 4222) });
  });
  const platform = usePlatform(backend, () => ({
    env: {
      NATS_URL: `nats://${proxy.address}`,
      NATS_STREAM: stream,
      NATS_SUBJECT_PREFIX: subjectPrefix,
      ORDERS_EVENTS_POLL_SECONDS: "1",
    },
  }));
  beforeAll(async () => {
    gql = platform.client();
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
  });
  // Declared after the platform's, so run once it has stopped.
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await proxy?.stop();
  });

  const outbox = () => platform.subgraphs.orders.database.prisma.orderEventOutbox;

  const published = () => streamMessages(jsm, stream);
  const publishedFor = async (orderIds: string[]) => (await published()).filter((m) => orderIds.includes(m.event.orderId));

  /** Waits (up to a minute) for these orders' events, then checks each order's statuses arrived in this order, once each. */
  async function expectPublishedInOrder(statusesByOrder: Record<string, string[]>) {
    const ids = Object.keys(statusesByOrder);
    const total = Object.values(statusesByOrder).flat().length;
    const messages = await eventually(
      () => publishedFor(ids),
      (found) => found.length >= total,
      60_000,
    );
    expect(messages).toHaveLength(total);
    for (const id of ids) {
      expect(messages.filter((m) => m.event.orderId === id).map((m) => m.event.newStatus)).toEqual(statusesByOrder[id]);
    }
  }

  test("placing, moving and cancelling an order publish one message each, in order, with the documented shape", async () => {
    const userId = await registerUser(gql);
    const lamp = await createProduct(gql, { name: "Desk lamp", price: "19.99", stockQuantity: 5 });
    const cable = await createProduct(gql, { name: "Cable", price: "4.25", stockQuantity: 5 });
    const orderId = await placeOrder(gql, userId, [
      { productId: lamp, quantity: 2 },
      { productId: cable, quantity: 1 },
    ]);
    await moveOrder(gql, orderId, "PROCESSING");
    await moveOrder(gql, orderId, "PROCESSING"); // a repeated move changes nothing, so tells nothing
    await moveOrder(gql, orderId, "CANCELLED");

    const messages = await eventually(
      () => publishedFor([orderId]),
      (found) => found.length >= 3,
    );
    const history = (await gql.request(ORDER_HISTORY, { id: orderId })).order!.statusHistory;
    const lines = [
      { productId: lamp, quantity: 2, unitPrice: "19.99" },
      { productId: cable, quantity: 1, unitPrice: "4.25" },
    ];
    const common = { orderId, userId, lines, totalAmount: "44.23" };
    expect(messages.map(({ subject, event }) => ({ subject, event: { ...event, id: "<id>" } }))).toEqual([
      {
        subject: `${subjectPrefix}.placed`,
        event: { ...common, id: "<id>", type: "placed", oldStatus: null, newStatus: "PENDING", occurredAt: history[0].at },
      },
      {
        subject: `${subjectPrefix}.status_changed`,
        event: {
          ...common,
          id: "<id>",
          type: "status_changed",
          oldStatus: "PENDING",
          newStatus: "PROCESSING",
          occurredAt: history[1].at,
        },
      },
      {
        subject: `${subjectPrefix}.cancelled`,
        event: {
          ...common,
          id: "<id>",
          type: "cancelled",
          oldStatus: "PROCESSING",
          newStatus: "CANCELLED",
          occurredAt: history[2].at,
        },
      },
    ]);
    for (const { event, msgId } of messages) {
      expect(validate(event) ? [] : validate.errors).toEqual([]);
      expect(msgId).toBe(event.id); // the event id is the JetStream message id
    }
    expect(new Set(messages.map(({ event }) => event.id)).size).toBe(3);
    // The relay deletes a pass's rows once the pass's last ack is back, which can be just after the stream has them.
    await until(async () => (await outbox().count({ where: { orderId: Number(orderId) } })) === 0, 30_000);
  });

  test("a refused order publishes nothing", async () => {
    const userId = await registerUser(gql);
    const scarce = await createProduct(gql, { name: "Scarce", price: "3.00", stockQuantity: 1 });
    const refused = await graphqlError(gql.request(CREATE_ORDER, { userId, items: [{ productId: scarce, quantity: 2 }] }));
    expect(refused.code).toBe("OUT_OF_STOCK");
    // An order placed after the refusal: once its event is out, anything the refusal had written would be too.
    const orderId = await placeOrder(gql, userId, [{ productId: scarce, quantity: 1 }]);
    const ofUser = await eventually(
      async () => (await published()).filter((m) => m.event.userId === userId),
      (found) => found.length >= 1,
    );
    expect(ofUser.map(({ event }) => [event.orderId, event.type])).toEqual([[orderId, "placed"]]);
  });

  test("with NATS unreachable orders still work, and the backlog arrives in order per order when it is back", async () => {
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Backlogged", price: "2.50", stockQuantity: 100 });
    await proxy.stop();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await placeOrder(gql, userId, [{ productId: product, quantity: i + 1 }]));
    const journeys: Record<string, OrderStatus[]> = {
      [ids[0]]: ["PROCESSING", "SHIPPED", "DELIVERED"],
      [ids[1]]: ["CANCELLED"],
      [ids[2]]: ["SHIPPED", "DELIVERED"],
      [ids[3]]: ["PROCESSING", "CANCELLED"],
    };
    // Moves interleaved across orders, so that an order's events are not next to each other in the outbox.
    for (let step = 0; step < 3; step++) {
      for (const id of ids) if (journeys[id][step]) await moveOrder(gql, id, journeys[id][step]);
    }
    const expected = Object.fromEntries(ids.map((id) => [id, ["PENDING", ...journeys[id]]]));
    const total = Object.values(expected).flat().length;
    expect(await outbox().count({ where: { orderId: { in: ids.map(Number) } } })).toBe(total);
    expect(await publishedFor(ids)).toEqual([]);

    await proxy.start();
    await expectPublishedInOrder(expected);
    await until(async () => (await outbox().count({ where: { orderId: { in: ids.map(Number) } } })) === 0, 30_000);
  });

  test("an event published again after a crash (acked, not yet deleted) is stored once", async () => {
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Twice", price: "1.00", stockQuantity: 5 });
    const metrics = () => scrape(platform.subgraphs.orders.url);
    const duplicatesBefore = metricValue(await metrics(), "shop_order_events_published_total", { result: "duplicate" }) ?? 0;
    await proxy.stop();
    const orderId = await placeOrder(gql, userId, [{ productId: product, quantity: 1 }]);
    const row = await outbox().findFirstOrThrow({ where: { orderId: Number(orderId) } });
    // The relay that crashed: it published the event and JetStream acked, but the row was not deleted.
    expect((await publishOrderEvent(js, { stream, subjectPrefix }, row)).duplicate).toBe(false);

    await proxy.start();
    await until(async () => (await outbox().count({ where: { orderId: Number(orderId) } })) === 0, 30_000);
    const messages = await publishedFor([orderId]);
    expect(messages.map((m) => m.msgId)).toEqual([row.eventId]);
    expect(metricValue(await metrics(), "shop_order_events_published_total", { result: "duplicate" })).toBe(duplicatesBefore + 1);
  });

  /** Runs the example consumer (npm run events:consume) until its output satisfies `enough`; answers its lines. */
  async function runExampleConsumer(durable: string, enough: (lines: string[]) => boolean): Promise<string[]> {
    const child = spawn(
      process.execPath,
      [...TYPESCRIPT_ENTRY_ARGS, "scripts/examples/order-events-consumer.ts", "--durable", durable],
      {
        cwd: path.resolve(__dirname, ".."),
        env: { ...process.env, NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: subjectPrefix },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const lines = () => output.split("\n").filter(Boolean);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (enough(lines())) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    child.kill("SIGTERM");
    await exited;
    return lines();
  }

  // Registered on PostgreSQL only, not skipped on PGlite: the example reads only NATS (once is enough), and two
  // relays can only race on a database that several processes share.
  const onPostgresOnly = (name: string, run: () => Promise<void>) => {
    if (backend === "postgres") test(name, run);
  };

  onPostgresOnly(
    "the example consumer prints each event once and, being durable, resumes after the last one it acknowledged",
    async () => {
      const userId = await registerUser(gql);
      const product = await createProduct(gql, { name: "Noticed", price: "7.00", stockQuantity: 5 });
      const orderId = await placeOrder(gql, userId, [{ productId: product, quantity: 2 }]);
      await moveOrder(gql, orderId, "SHIPPED");
      const about = (lines: string[]) => lines.filter((line) => line.includes(`order ${orderId} (user ${userId})`));
      const durable = `example_${run}`;
      const first = await runExampleConsumer(durable, (lines) => about(lines).length >= 2);
      expect(about(first).map((line) => line.replace(/^\S+ /, ""))).toEqual([
        `order ${orderId} (user ${userId}) placed: 1 line(s), total 14.00`,
        `order ${orderId} (user ${userId}) moved PENDING → SHIPPED`,
      ]);
      await moveOrder(gql, orderId, "DELIVERED");
      const second = await runExampleConsumer(durable, (lines) => about(lines).length >= 1);
      expect(about(second).map((line) => line.replace(/^\S+ /, ""))).toEqual([
        `order ${orderId} (user ${userId}) moved SHIPPED → DELIVERED`,
      ]);
    },
  );

  onPostgresOnly("two relays on one database publish each event exactly once, in order per order", async () => {
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Raced", price: "1.25", stockQuantity: 1000 });
    // The earlier tests' events out first, so that the counts below are this test's events alone.
    await until(async () => (await outbox().count()) === 0, 30_000);
    await proxy.stop();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await placeOrder(gql, userId, [{ productId: product, quantity: 1 }]));
    for (const status of ["PROCESSING", "SHIPPED", "DELIVERED"] as const) for (const id of ids) await moveOrder(gql, id, status);
    const total = ids.length * 4;

    const metrics = new ServiceMetrics("orders-second-relay");
    const logger = createLogger("test", process.env.LOG_LEVEL ?? "silent");
    const database = await openOrdersDatabase(platform.databases.configs.orders, logger, metrics);
    const countOf = (text: string, result: "stored" | "duplicate") =>
      metricValue(text, "shop_order_events_published_total", { result }) ?? 0;
    const platformBefore = await scrape(platform.subgraphs.orders.url);
    const second = startOrderEventRelay({
      prisma: database.prisma,
      database: platform.databases.configs.orders,
      settings: { natsUrl: `nats://${proxy.address}`, stream, subjectPrefix, pollSeconds: 1 },
      logger,
      metrics,
    });
    try {
      // A distant NATS: each pass takes long enough for the other relay to come looking meanwhile.
      proxy.latencyMs = 25;
      await proxy.start();
      await expectPublishedInOrder(Object.fromEntries(ids.map((id) => [id, ["PENDING", "PROCESSING", "SHIPPED", "DELIVERED"]])));
      // The stream can hold the last event before its ack has crossed the slow link back to the relay that sent it;
      // a relay counts an event when the ack arrives and deletes its row after that, so an empty outbox means
      // every count is in.
      await until(async () => (await outbox().count({ where: { orderId: { in: ids.map(Number) } } })) === 0, 30_000);
      // Exactly once: between them the relays had each event stored once, and neither had one dropped as a duplicate.
      const platformAfter = await scrape(platform.subgraphs.orders.url);
      const secondAfter = await metrics.registry.metrics();
      const delta = (result: "stored" | "duplicate") =>
        countOf(platformAfter, result) - countOf(platformBefore, result) + countOf(secondAfter, result);
      expect({ stored: delta("stored"), duplicates: delta("duplicate") }).toEqual({ stored: total, duplicates: 0 });
    } finally {
      proxy.latencyMs = 0;
      await second.stop();
      await database.close();
      metrics.close();
    }
  });

  /**
   * With the outbox drained and NATS then cut off, places `count` orders and moves each through `statuses`: their
   * events all wait in the outbox, in order. Answers the orders' ids; NATS stays away until the test starts the proxy.
   */
  async function backlogWhileNatsIsAway(count: number, statuses: OrderStatus[]): Promise<string[]> {
    const userId = await registerUser(gql);
    const product = await createProduct(gql, { name: "Backlogged", price: "1.50", stockQuantity: 100 });
    await until(async () => (await outbox().count()) === 0, 60_000);
    await proxy.stop();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await placeOrder(gql, userId, [{ productId: product, quantity: 1 }]));
    for (const status of statuses) for (const id of ids) await moveOrder(gql, id, status);
    return ids;
  }

  onPostgresOnly("a relay publishing to a slow NATS holds no database transaction open meanwhile", async () => {
    const prisma = platform.subgraphs.orders.database.prisma;
    // Two orders, four events: each publish is caught alike, and each is over a second here.
    const ids = await backlogWhileNatsIsAway(2, ["PROCESSING"]);
    const waiting = () => outbox().count({ where: { orderId: { in: ids.map(Number) } } });
    expect(await waiting()).toBe(ids.length * 2);

    /** Other sessions on the orders database inside a transaction begun over a second ago (a publish here is over 1.2 s). */
    const longTransactions = () => prisma.$queryRaw<{ pid: number; state: string; application: string; query: string }[]>`
      SELECT pid, state, application_name AS application, query FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND xact_start < clock_timestamp() - interval '1 second'`;
    /** The relays' per-order locks held right now (two-int advisory locks in the relay's key space). */
    const orderLocks = async () =>
      (
        await prisma.$queryRaw<{ held: number }[]>`
          SELECT count(*)::int AS held FROM pg_locks
          WHERE locktype = 'advisory' AND objsubid = 2 AND classid = ${0x6f726576}::oid AND granted`
      )[0].held;

    // A slow NATS: every chunk 600 ms late each way, so that one publish (a round trip) outlasts the 1 s a transaction
    // may be open above: a transaction around even a single publish is caught.
    proxy.latencyMs = 600;
    try {
      await proxy.start();
      // The pass is under way: some of these events are in the stream, others still in the outbox.
      await until(async () => (await publishedFor(ids)).length >= 1, 30_000, 50);
      const seen = new Map<number, Awaited<ReturnType<typeof longTransactions>>[number]>();
      let mostLocks = 0;
      await until(
        async () => {
          for (const session of await longTransactions()) seen.set(session.pid, session);
          mostLocks = Math.max(mostLocks, await orderLocks());
          return (await waiting()) === 0;
        },
        60_000,
        50,
      );
      // The orders were claimed (locked) while their events went out, but no transaction stayed open across a publish.
      expect(mostLocks).toBeGreaterThan(0);
      expect([...seen.values()]).toEqual([]);
      // And the locks were all given back once the pass was over.
      await until(async () => (await orderLocks()) === 0, 10_000, 50);
    } finally {
      proxy.latencyMs = 0;
    }
    await expectPublishedInOrder(Object.fromEntries(ids.map((id) => [id, ["PENDING", "PROCESSING"]])));
  });

  onPostgresOnly(
    "when the connection holding a relay's locks breaks mid-pass, every event still goes out once, in order",
    async () => {
      const prisma = platform.subgraphs.orders.database.prisma;
      const ids = await backlogWhileNatsIsAway(4, ["PROCESSING", "SHIPPED"]);
      proxy.latencyMs = 100;
      try {
        await proxy.start();
        await until(async () => (await publishedFor(ids)).length >= 1, 30_000, 50);
        // The relay's own connection (its session holds the order locks) is ended by the server mid-pass.
        const ended = await prisma.$queryRaw<{ ended: boolean }[]>`
        SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'orders-event-relay'`;
        expect(ended.map((row) => row.ended)).toEqual([true]);
        await expectPublishedInOrder(Object.fromEntries(ids.map((id) => [id, ["PENDING", "PROCESSING", "SHIPPED"]])));
        await until(async () => (await outbox().count({ where: { orderId: { in: ids.map(Number) } } })) === 0, 30_000);
      } finally {
        proxy.latencyMs = 0;
      }
    },
  );
});
