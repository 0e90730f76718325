import { BACKENDS, createTestDatabases, type TestDatabases } from "./support/databases";
import { createProduct } from "./support/fixtures";
import { CREATE_ORDER, LOGIN, ME, ORDER_ACROSS_SUBGRAPHS, REGISTER } from "./support/operations";
import { startTestPlatform, type TestPlatform } from "./support/platform";

describe.each(BACKENDS)("a restart keeps the data (%s)", (backend) => {
  let databases: TestDatabases;
  let platform: TestPlatform | undefined;

  beforeAll(async () => {
    databases = await createTestDatabases(backend, { migrated: true });
  });
  afterAll(async () => {
    await platform?.stop();
    await databases?.drop();
  });

  test("users, products, orders and tokens survive stopping and starting every service", async () => {
    platform = await startTestPlatform(databases.configs);
    const secrets = platform.secrets;
    let gql = platform.client();
    await gql.request(REGISTER, { input: { email: "keep@example.com", username: "keeper", password: "password123" } });
    const { login } = await gql.request(LOGIN, { email: "keep@example.com", password: "password123" });
    const productId = await createProduct(gql, { name: "Durable", price: "12.34", stockQuantity: 9 });
    const { createOrder } = await gql.request(CREATE_ORDER, { userId: login.user.id, items: [{ productId, quantity: 2 }] });
    const before = (await gql.request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id })).order;
    await platform.stop();

    platform = await startTestPlatform(databases.configs, { secrets });
    gql = platform.client();
    expect((await gql.request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id })).order).toEqual(before);
    expect((await platform.client(login.token).request(ME)).me.username).toBe("keeper");
    expect(await createProduct(gql, { name: "Next", price: "1.00", stockQuantity: 1 })).toBe(String(Number(productId) + 1));
  });
});
