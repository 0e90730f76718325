import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { isRunning } from "../lib/processes";
import type { PortKind } from "../rest-shim/src/ports";
import { seedSampleCatalogue } from "../scripts/seed-sample-catalogue";
import { startPlatformProcess, type PlatformProcess } from "./support/platform-process";
import { readCurlCommands, runCurl, type CurlResult } from "./support/rest-curl";
import { documentedResponses, servedDocument } from "./support/rest-openapi";
import { until } from "./support/until";

/**
 * The platform as a user starts it (`npm start`, i.e. lib/platform/start-platform.ts
 * as its own process on a fresh data directory), the sample catalogue loaded
 * with `npm run seed`'s function, then every curl command of the legacy
 * README's "Testing with cURL" and "Complete Test Flow" sections, run with the
 * real curl, in the README's order.
 */

const FIXTURE = path.join(__dirname, "fixtures", "legacy-readme-curl.md");
const LEGACY_PORTS: Record<string, PortKind> = { "8000": "legacyGateway", "8001": "users", "8002": "products", "8003": "orders" };

const user = (id: number, email: string, username: string, full_name: string) => ({
  id,
  email,
  username,
  full_name,
  created_at: expect.any(String),
  updated_at: expect.any(String),
});

/**
 * What each documented call answers on a fresh database after the seed:
 * John is user 1, the sample catalogue is products 1-5, the first order is 1.
 */
const EXPECTED: { call: string; status: number; body?: unknown; check?: (body: any) => void }[] = [
  // Testing with cURL: 1. User Service APIs
  { call: "POST 8001 /register", status: 200, body: { message: "User registered successfully", user_id: 1 } },
  {
    call: "POST 8001 /login",
    status: 200,
    check: (body) => {
      expect(body.token.split(".")).toHaveLength(3);
      expect(body.user).toEqual(user(1, "john.doe@example.com", "johndoe", "John Doe"));
    },
  },
  { call: "GET 8001 /users/1", status: 200, body: user(1, "john.doe@example.com", "johndoe", "John Doe") },
  { call: "GET 8001 /users/search?q=john", status: 200, body: [user(1, "john.doe@example.com", "johndoe", "John Doe")] },
  // 2. Product Service APIs (the seed made products 1-5)
  { call: "POST 8002 /api/products", status: 201, body: { message: "Product created successfully", product_id: 6 } },
  {
    call: "GET 8002 /api/products/1",
    status: 200,
    body: {
      id: 1,
      name: "Laptop Pro 15",
      description: "High-performance laptop with 16GB RAM",
      price: 1299.99,
      stock_quantity: 50,
      category: "Electronics",
      tags: ["laptop", "computer", "electronics"],
      created_at: expect.any(String),
    },
  },
  {
    call: "GET 8002 /api/products/search?q=laptop",
    status: 200,
    check: (body) => expect(body[0]).toMatchObject({ id: 1, name: "Laptop Pro 15" }),
  },
  {
    call: "GET 8002 /api/products/tags?tags=laptop,computer",
    status: 200,
    check: (body) => expect(body.map((p: any) => p.id)).toEqual([1]),
  },
  { call: "PATCH 8002 /api/products/1/stock", status: 200, body: { message: "Stock updated successfully" } },
  // 3. Order Service APIs: 2 × 1299.99 + 1 × 29.99
  {
    call: "POST 8003 /api/orders",
    status: 201,
    body: { message: "Order created successfully", order_id: 1, total_amount: 2629.97 },
  },
  {
    call: "GET 8003 /api/orders/1",
    status: 200,
    body: {
      id: 1,
      user_id: 1,
      status: "pending",
      total_amount: 2629.97,
      items: [
        { id: expect.any(Number), product_id: 1, quantity: 2, price: 1299.99 },
        { id: expect.any(Number), product_id: 2, quantity: 1, price: 29.99 },
      ],
      created_at: expect.any(String),
    },
  },
  {
    call: "GET 8003 /api/orders/user/1",
    status: 200,
    check: (body) => expect(body.map((o: any) => [o.id, o.status])).toEqual([[1, "pending"]]),
  },
  { call: "PATCH 8003 /api/orders/1/status", status: 200, body: { message: "Order status updated successfully" } },
  // 4. API Gateway (Proxy Routes)
  { call: "POST 8000 /api/users/register", status: 200, body: { message: "User registered successfully", user_id: 2 } },
  { call: "POST 8000 /api/products", status: 201, body: { message: "Product created successfully", product_id: 7 } },
  {
    call: "POST 8000 /api/orders",
    status: 201,
    body: { message: "Order created successfully", order_id: 2, total_amount: 89.99 },
  },
  // Complete Test Flow, run after the sections above on the same data.
  { call: "POST 8001 /register", status: 200, body: { message: "User registered successfully", user_id: 3 } },
  { call: "POST 8002 /api/products", status: 201, body: { message: "Product created successfully", product_id: 8 } },
  {
    call: "POST 8003 /api/orders",
    status: 201,
    body: { message: "Order created successfully", order_id: 3, total_amount: 2599.98 },
  },
  // Order 1 was shipped by the earlier section...
  { call: "GET 8003 /api/orders/1", status: 200, check: (body) => expect(body).toMatchObject({ id: 1, status: "shipped" }) },
  // ...and a shipped order cannot go back to processing (on a fresh order this step is a 200; see the contract tests).
  {
    call: "PATCH 8003 /api/orders/1/status",
    status: 409,
    body: { error: "Cannot change order status from shipped to processing" },
  },
];

describe("the documented curl commands against `npm start`", () => {
  let platform: PlatformProcess;
  let child: ChildProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    // A user's shell: no database servers configured, so embedded PGlite under a fresh DATA_DIR.
    platform = await startPlatformProcess();
    ({ child, env } = platform);
    await seedSampleCatalogue(env.GATEWAY_URL, () => undefined);
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await platform?.stop();
  });

  const onPlatform = (url: string) => {
    const target = new URL(url);
    const envName = {
      legacyGateway: "REST_GATEWAY_PORT",
      users: "REST_USERS_PORT",
      products: "REST_PRODUCTS_PORT",
      orders: "REST_ORDERS_PORT",
    }[LEGACY_PORTS[target.port]];
    return url.replace(`${target.hostname}:${target.port}`, `127.0.0.1:${env[envName]}`);
  };

  test("every command answers as the contract says, in the README's order", async () => {
    const commands = readCurlCommands(FIXTURE);
    const calls = commands.map((command) => {
      const url = new URL(command.url);
      return `${command.method} ${url.port} ${url.pathname}${url.search}`;
    });
    expect(calls).toEqual(EXPECTED.map((expected) => expected.call));

    for (const [index, command] of commands.entries()) {
      const expected = EXPECTED[index];
      let result: CurlResult | undefined;
      try {
        result = await runCurl(command, onPlatform);
        expect(result.status).toBe(expected.status);
        if (expected.body !== undefined) expect(result.body).toEqual(expected.body);
        expected.check?.(result.body);
        const url = new URL(onPlatform(command.url));
        const expectDocumented = documentedResponses(await servedDocument(url.origin));
        expectDocumented(command.method, url.pathname, result.status, result.body);
      } catch (error) {
        throw new Error(
          `command ${index + 1}:\n${command.text}\nanswered ${JSON.stringify(result)}\n${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  });

  test("afterwards the stock adds up and every health check is green", async () => {
    const rest = (kind: string, pathname: string) =>
      fetch(`http://127.0.0.1:${env[kind]}${pathname}`).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as any,
      }));
    // 50 seeded + 45 - 2 (order 1) - 2 (order 3)
    expect((await rest("REST_PRODUCTS_PORT", "/api/products/1")).body.stock_quantity).toBe(91);
    expect(await rest("REST_USERS_PORT", "/health")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await rest("REST_PRODUCTS_PORT", "/health")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await rest("REST_ORDERS_PORT", "/health")).toEqual({
      status: 200,
      body: { status: "healthy", service: "order-service" },
    });
    expect(await rest("REST_GATEWAY_PORT", "/health")).toEqual({
      status: 200,
      body: {
        gateway: "healthy",
        services: { "user-service": "healthy", "product-service": "healthy", "order-service": "healthy" },
      },
    });
  });

  test("Ctrl-C (SIGINT) stops the platform cleanly", async () => {
    const services = Object.values(platform.servicePids());
    expect(services).toHaveLength(4); // the three subgraphs and the gateway, which serves the REST ports
    child.kill("SIGINT");
    await until(async () => child.exitCode !== null || child.signalCode !== null, 20_000);
    expect(child.exitCode).toBe(0);
    // Every service it started is gone too (a process, not a port: another program may take a port once it is free).
    await until(async () => services.every((pid) => !isRunning(pid)), 20_000);
    child.stdout?.destroy();
    child.stderr?.destroy();
  }, 45_000);
});
