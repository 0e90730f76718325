import fs from "node:fs";
import { FULL, startDeliveryPlatform, TAGS_QUERY, type DeliveryPlatform } from "./support/supergraph-delivery";
import { until } from "./support/until";

// Schema delivery without restarts: a running gateway picks up a new supergraph file while a load runs, and no
// request of that load fails; a supergraph that does not load is counted, and the one served goes on. The database
// does not matter here: one run, on PGlite.

describe("a gateway watching its supergraph file", () => {
  let delivery: DeliveryPlatform;

  beforeAll(async () => {
    delivery = await startDeliveryPlatform();
  }, 180_000);
  afterAll(async () => {
    await delivery?.stop();
  });

  test("serves a new supergraph's field without a restart, failing no request of a load running meanwhile", async () => {
    const { client, file } = delivery;
    await expect(client().request(TAGS_QUERY)).rejects.toThrow(/productsByTags/);
    const failures = await delivery.underLoad(async () => {
      fs.writeFileSync(file, FULL);
      await until(() =>
        client()
          .request(TAGS_QUERY)
          .then(
            () => true,
            () => false,
          ),
      );
    });
    expect(failures).toEqual([]);
    expect(await delivery.updates("loaded")).toBe(1);
  });

  test("a supergraph that does not load is counted, and the one served goes on", async () => {
    fs.writeFileSync(delivery.file, "this is not a supergraph");
    await until(async () => (await delivery.updates("refused")) === 1);
    expect(await delivery.client().request(TAGS_QUERY)).toEqual({ productsByTags: [] });
    expect(await delivery.updates("loaded")).toBe(1);
  });
});
