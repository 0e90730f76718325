import crypto from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { ensureOrderStream } from "../subgraphs/orders/src/events/order-stream";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** Who may set the order events stream up: its producer corrects it, a consumer only creates it when it is missing. */
describe("the order events stream's settings", () => {
  const stream = `ORDERS_STREAM_TEST_${crypto.randomBytes(4).toString("hex").toUpperCase()}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  const subjects = async () => (await (await jetstreamManager(nc)).streams.info(stream)).config.subjects;

  test("a consumer creates a missing stream but never changes an existing one; the producer brings it to its own", async () => {
    const prefix = `orders_${stream.toLowerCase()}`;
    await ensureOrderStream(nc, { stream, subjectPrefix: prefix }, { correctExisting: false });
    expect(await subjects()).toEqual([`${prefix}.>`]);

    // A consumer configured with another prefix leaves the producer's stream alone.
    await ensureOrderStream(nc, { stream, subjectPrefix: `${prefix}_other` }, { correctExisting: false });
    expect(await subjects()).toEqual([`${prefix}.>`]);

    // The producer (the relay) makes the stream what its own settings say.
    await ensureOrderStream(nc, { stream, subjectPrefix: `${prefix}_moved` });
    expect(await subjects()).toEqual([`${prefix}_moved.>`]);
  });
});
