import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { GraphQLClient } from "graphql-request";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER, LOGIN, ORDER_ACROSS_SUBGRAPHS } from "./support/operations";
import { ROOT, startPlatformProcess, type PlatformProcess } from "./support/platform-process";

// `npm run build`, then the compiled platform (`npm run start:prod`) as its own
// processes: plain Node on JavaScript, no TypeScript loader. One run on PGlite.
describe("the production build", () => {
  let platform: PlatformProcess;

  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/build.js"], { cwd: ROOT, stdio: "pipe" });
    platform = await startPlatformProcess({ command: ["--enable-source-maps", "dist/lib/platform/start-platform.js"] });
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
  });

  test("compiles every service to JavaScript, with the files they read at run time beside it", () => {
    // The gateway's process serves the REST shim too.
    for (const service of ["subgraphs/users", "subgraphs/products", "subgraphs/orders", "gateway"]) {
      expect(fs.existsSync(path.join(ROOT, "dist", service, "src/main.js"))).toBe(true);
    }
    // Every migration beside the compiled code, where the services apply them from at start.
    for (const subgraph of ["users", "products", "orders"]) {
      const migrations = (dir: string) => fs.readdirSync(path.join(ROOT, dir, "prisma", subgraph, "migrations")).sort();
      expect({ subgraph, migrations: migrations("dist") }).toEqual({ subgraph, migrations: migrations(".") });
    }
    expect(fs.existsSync(path.join(ROOT, "dist/gateway/supergraph.graphql"))).toBe(true);
    // The users subgraph's bcrypt threads load it by name, beside the compiled passwords.js.
    expect(fs.existsSync(path.join(ROOT, "dist/subgraphs/users/src/password-worker.js"))).toBe(true);
  });

  test("the compiled platform starts without tsx and answers GraphQL, REST, the playground and /metrics", async () => {
    const gql = new GraphQLClient(platform.gatewayUrl);
    // Registering hashes and logging in checks a password, on the compiled bcrypt worker threads.
    const userId = await registerUser(gql, "ada");
    const { login } = await gql.request(LOGIN, { email: "ada@example.com", password: "password123" });
    expect(login.user.id).toBe(userId);
    const productId = await createProduct(gql, { name: "Kettle", price: "20.00", stockQuantity: 5 });
    const { createOrder } = await gql.request<{ createOrder: { id: string } }>(CREATE_ORDER, {
      userId,
      items: [{ productId, quantity: 2 }],
    });
    const { order } = await gql.request(ORDER_ACROSS_SUBGRAPHS, { id: createOrder.id });
    expect(order).toMatchObject({ totalAmount: "40.00", user: { username: "ada" }, items: [{ product: { name: "Kettle" } }] });

    const rest = await fetch(`${platform.restUrl("legacyGateway")}/api/products/${productId}`);
    expect(await rest.json()).toMatchObject({ name: "Kettle", stock_quantity: 3 });
    const playground = await fetch(platform.gatewayUrl, { headers: { accept: "text/html" } });
    expect(await playground.text()).toContain("/graphql/playground/graphiql.js");
    // METRICS_PORT is set (as every *_PORT): /metrics is on the gateway process's own metrics listener, not on 4000.
    const metrics = await fetch(platform.metricsUrl("gateway"));
    expect(await metrics.text()).toContain('graphql_operations_total{operation="CreateOrder"');
    expect((await fetch(`${platform.gatewayUrl.replace(/\/graphql$/, "")}/metrics`)).status).toBe(404);
    // The children run compiled JavaScript, not TypeScript through tsx.
    expect(platform.output()).not.toMatch(/tsx/);
  });
});
