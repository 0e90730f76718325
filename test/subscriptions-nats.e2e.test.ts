import crypto from "node:crypto";
import type { GraphQLClient } from "graphql-request";
import type { Client as WsClient } from "graphql-ws";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { OrderEventsSettings } from "../lib/config";
import type { RunningServer } from "../lib/http-server";
import { BACKENDS, createTestDatabases, type TestDatabases } from "./support/databases";
import { createProduct, moveOrder, placeOrder, registerUser } from "./support/fixtures";
import { startGatewayBeside, startTestPlatform, type TestPlatform } from "./support/platform";
import { ORDER_UPDATED, received, subscribeSse, subscribeWs, untilLive, wsClient, type Subscriber } from "./support/subscribers";
import { until } from "./support/until";

/**
 * Subscriptions with NATS_URL set (docs/subscriptions.md): every gateway
 * reads the ORDERS stream with a consumer of its own, so each one delivers
 * every event to its subscribers, and a gateway started again serves the
 * subscriptions that reconnect to it. AUTH_MODE=open: anyone sees every order.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

describe.each(BACKENDS)("order subscriptions on NATS JetStream (%s)", (backend) => {
  const run = crypto.randomBytes(4).toString("hex");
  const orderEvents: OrderEventsSettings = {
    natsUrl: NATS_URL,
    stream: `ORDERS_SUBS_${run}`,
    subjectPrefix: `subs_${run}.orders`,
    pollSeconds: 1,
  };
  let databases: TestDatabases;
  let platform: TestPlatform;
  let second: RunningServer;
  let gql: GraphQLClient;
  let userId: string;
  let product: string;
  const clients: WsClient[] = [];
  const subscribers: Subscriber[] = [];
  const placeOne = () => placeOrder(gql, userId, [{ productId: product, quantity: 1 }]);
  const startSecond = (port = 0) => startGatewayBeside(platform, { port, subgraphTimeoutMs: 10_000, orderEvents });

  beforeAll(async () => {
    databases = await createTestDatabases(backend, { migrated: true });
    platform = await startTestPlatform(databases.configs, {
      env: {
        NATS_URL,
        NATS_STREAM: orderEvents.stream,
        NATS_SUBJECT_PREFIX: orderEvents.subjectPrefix,
        ORDERS_EVENTS_POLL_SECONDS: "1",
      },
      gateway: { orderEvents },
    });
    second = await startSecond();
    gql = platform.client();
    userId = await registerUser(gql);
    product = await createProduct(gql, { name: "Streamed kettle", price: "30.00", stockQuantity: 10_000 });
  });
  afterEach(async () => {
    subscribers.splice(0).forEach((subscriber) => subscriber.stop());
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await second?.close();
    await platform?.stop();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(orderEvents.stream).catch(() => undefined);
    await nc.close();
    await databases?.drop();
  });

  test("two gateways both deliver an order's move to their subscribers", async () => {
    const firstClient = wsClient(platform.gatewayUrl);
    clients.push(firstClient);
    const onFirst = subscribeWs(firstClient, { query: ORDER_UPDATED });
    const onSecond = subscribeSse(`${second.url}/graphql`, { query: ORDER_UPDATED });
    subscribers.push(onFirst, onSecond);
    await Promise.all([untilLive(onFirst, placeOne), untilLive(onSecond, placeOne)]);

    const order = await placeOne();
    await moveOrder(gql, order, "SHIPPED");
    await until(async () => received(onFirst, order, "SHIPPED") && received(onSecond, order, "SHIPPED"), 2000, 20);
    expect([onFirst.failure, onSecond.failure]).toEqual([undefined, undefined]);
  });

  test("a subscription reconnecting after its gateway restarts receives the events made after", async () => {
    const closes: number[] = [];
    const client = wsClient(`${second.url}/graphql`, undefined, {
      retryAttempts: 50,
      onClosed: (event) => closes.push((event as { code: number }).code),
    });
    clients.push(client);
    const subscriber = subscribeWs(client, { query: ORDER_UPDATED });
    subscribers.push(subscriber);
    await untilLive(subscriber, placeOne);

    const { port } = second;
    await second.close();
    // Said to the client as "going away" (1001), which graphql-ws's client answers by connecting again.
    await until(async () => closes.includes(1001));
    second = await startSecond(port);

    const before = subscriber.events.length;
    await untilLive(subscriber, placeOne);
    const order = await placeOne();
    await moveOrder(gql, order, "PROCESSING");
    await until(async () => received(subscriber, order, "PROCESSING"), 2000, 20);
    expect(subscriber.events.length).toBeGreaterThan(before);
    expect(subscriber.failure).toBeUndefined();
  });
});
