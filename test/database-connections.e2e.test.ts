import pg from "pg";
import type { GraphQLClient } from "graphql-request";
import { SUBGRAPH_NAMES } from "../lib/config";
import { createProduct, registerUser } from "./support/fixtures";
import { metricValue, scrape } from "./support/metrics";
import { CREATE_ORDER, ORDER_ACROSS_SUBGRAPHS } from "./support/operations";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

// A PostgreSQL restart or failover ends every connection the subgraphs hold idle in their pools.
describe("a PostgreSQL server that ends the subgraphs' idle connections", () => {
  const platform = usePlatform("postgres");
  let gql: GraphQLClient;

  beforeAll(async () => {
    gql = platform.client();
  });

  const poolConnections = async () =>
    Promise.all(
      SUBGRAPH_NAMES.map(async (name) =>
        metricValue(await scrape(platform.subgraphs[name].url), "db_pool_connections", { state: "total" }),
      ),
    );

  test("stops nothing: each pool drops the dead connections and the next requests are answered", async () => {
    const userId = await registerUser(gql, "ada");
    const productId = await createProduct(gql, { name: "Kettle", price: "20.00", stockQuantity: 5 });
    await gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity: 1 }] });
    expect((await poolConnections()).every((count) => count! > 0)).toBe(true);

    const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await admin.connect();
    try {
      const names = Object.values(platform.databases.configs).map((config) =>
        new URL((config as { url: string }).url).pathname.slice(1),
      );
      const { rows } = await admin.query<{ ended: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = ANY($1)",
        [names],
      );
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.every((row) => row.ended)).toBe(true);
    } finally {
      await admin.end();
    }
    // Each pool hears of its ended connections as an 'error' event; wait until all of them have been dropped.
    await until(async () => (await poolConnections()).every((count) => count === 0), 20_000, 10);

    const { createOrder } = await gql.request(CREATE_ORDER, { userId, items: [{ productId, quantity: 2 }] });
    const { order } = await gql.request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id });
    expect(order).toMatchObject({ user: { id: userId, username: "ada" }, items: [{ quantity: 2, product: { id: productId } }] });
  });
});
