import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { GraphQLClient } from "graphql-request";
import { ENV_VARIABLES } from "../lib/config";
import { startPlatformProcess, type PlatformProcess } from "./support/platform-process";
import { MAX_PAGE } from "../subgraphs/orders/src/order.service";
import { ORDERS_BY_USER } from "./support/operations";
import { until } from "./support/until";

/**
 * The embedded default (`npm start`, PGlite under DATA_DIR) killed with
 * SIGKILL, every process of it at once, while clients place and cancel
 * orders; then started again on the same data. It must come up, keep every
 * order a client saw succeed, and its recovery must settle the rest.
 */

const STARTING_STOCK = 500;

describe("the embedded platform killed with SIGKILL during orders", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-crash-"));
  let platform: PlatformProcess | undefined;
  /**
   * `npm start` on DATA_DIR, in a process group of its own so that one signal reaches every service, as a power cut
   * would. Each start is on ports of its own (a port the killed platform let go may meanwhile be taken by another
   * process on this machine); the data is DATA_DIR's, whatever the ports. The first start is not under test here:
   * its databases are copies of the migrated ones.
   */
  const startPlatform = (first = false) =>
    startPlatformProcess({
      dataDir,
      migrated: first,
      processGroup: true,
      env: { ORDERS_RECOVERY_INTERVAL_SECONDS: "1", RATE_LIMIT_PER_MINUTE: "100000" },
      timeoutMs: 120_000,
    });
  /** Every port of the running platform: its services, REST ports and metrics listeners. */
  const ports = () =>
    ENV_VARIABLES.filter((name) => name.endsWith("_PORT"))
      .map((name) => Number(platform?.env[name]))
      .filter((port) => port > 0);
  afterAll(async () => {
    if (platform) await killGroup(platform.child, "SIGKILL", ports());
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const rest = async (port: string, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${platform!.env[port]}${pathname}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  test("it comes back with every order a client saw succeed, and recovery settles the rest", async () => {
    platform = await startPlatform(true);
    const { body: registered } = await rest("REST_USERS_PORT", "POST", "/register", {
      email: "crash@example.com",
      username: "crash",
      password: "password123",
      full_name: "Crash Test",
    });
    const userId = registered.user_id as number;
    const { body: created } = await rest("REST_PRODUCTS_PORT", "POST", "/api/products", {
      name: "Crash helmet",
      description: "",
      price: 40,
      stock_quantity: STARTING_STOCK,
      category: "Safety",
      tags: [],
    });
    const productId = created.product_id as number;

    // Clients place orders (each with its own Idempotency-Key) and cancel every third one they get.
    const succeeded = new Map<number, number>(); // order id → quantity, as answered 201
    const attempts: { key: string; quantity: number }[] = [];
    let killed = false;
    const client = async (n: number) => {
      for (let i = 0; !killed; i += 1) {
        const attempt = { key: `client-${n}-${i}`, quantity: 1 + ((n + i) % 3) };
        attempts.push(attempt);
        const answer = await placeOrder(attempt).catch(() => null);
        if (answer?.status === 201) {
          succeeded.set(answer.body.order_id, attempt.quantity);
          if (i % 3 === 2)
            await rest("REST_ORDERS_PORT", "PATCH", `/api/orders/${answer.body.order_id}/status`, { status: "cancelled" }).catch(
              () => null,
            );
        }
      }
    };
    const placeOrder = (attempt: { key: string; quantity: number }) =>
      rest(
        "REST_ORDERS_PORT",
        "POST",
        "/api/orders",
        { user_id: userId, items: [{ product_id: productId, quantity: attempt.quantity }] },
        { "Idempotency-Key": attempt.key },
      );
    const clients = Promise.all(Array.from({ length: 6 }, (_, n) => client(n)));
    await until(async () => succeeded.size >= 12, 60_000);
    // The clients stop starting new attempts first: while the kill is under way each failed call (connection
    // refused) would otherwise start the next at once, and every one of those is retried below as a new order, until
    // a slow kill had used up the stock (an OUT_OF_STOCK 400 among the retries).
    killed = true;
    await killGroup(platform.child, "SIGKILL", ports());
    await clients;

    platform = await startPlatform();
    for (const [orderId, quantity] of succeeded) {
      const { status, body } = await rest("REST_ORDERS_PORT", "GET", `/api/orders/${orderId}`);
      expect({ orderId, status, quantity: body.items?.[0]?.quantity }).toEqual({ orderId, status: 200, quantity });
    }
    // Clients retry what they never heard back about, one call at a time with the same keys, until each has its
    // final answer (202: recorded, still settling; 503: a service is still starting or busy).
    for (const attempt of attempts) {
      await until(async () => {
        const { status } = await placeOrder(attempt);
        expect([201, 202, 503]).toContain(status);
        return status === 201;
      }, 30_000);
    }

    // Recovery (every second here) settles what was left between two steps; then the stock adds up.
    const ledger = async () => {
      const { body: orders } = await rest("REST_ORDERS_PORT", "GET", `/api/orders/user/${userId}`);
      const { body: product } = await rest("REST_PRODUCTS_PORT", "GET", `/api/products/${productId}`);
      const live = orders.filter((order: any) => order.status !== "cancelled");
      return product.stock_quantity + live.reduce((sum: number, order: any) => sum + order.items[0].quantity, 0);
    };
    await until(async () => (await ledger()) === STARTING_STOCK, 30_000);
    const { body: orders } = await rest("REST_ORDERS_PORT", "GET", `/api/orders/user/${userId}`);
    expect(orders.length).toBeGreaterThanOrEqual(succeeded.size);
    // The stock adds up as soon as products has given a cancel's units back; orders marks the release done at its
    // next recovery run. Every order shows no step left before the platform is stopped.
    await until(async () => (await ordersWithAStepLeft(userId)) === 0, 30_000);

    // Stopped as with Ctrl-C, its databases show nothing left between two steps.
    await killGroup(platform.child, "SIGINT", ports());
    expect(await unsettledRecords()).toEqual({ placements: 0, orders: 0, reservations: 0 });
  }, 240_000);

  /** The user's orders that still show a step to finish (`pendingStep`), asked of the gateway a page at a time. */
  async function ordersWithAStepLeft(userId: number): Promise<number> {
    const gql = new GraphQLClient(platform!.gatewayUrl);
    let left = 0;
    for (let after: string | undefined; ;) {
      const { ordersByUser } = await gql.request(ORDERS_BY_USER, { userId: String(userId), first: MAX_PAGE, after });
      left += ordersByUser.filter((order) => order.pendingStep !== null).length;
      if (ordersByUser.length < MAX_PAGE) return left;
      after = ordersByUser[ordersByUser.length - 1].id;
    }
  }

  /** Records between two steps, read straight from the embedded databases of the stopped platform. */
  async function unsettledRecords() {
    const orders = await PGlite.create(path.join(dataDir, "orders"));
    const products = await PGlite.create(path.join(dataDir, "products"));
    try {
      const count = async (db: PGlite, sql: string) => Number((await db.query<{ n: number }>(sql)).rows[0].n);
      return {
        placements: await count(
          orders,
          `SELECT count(*) AS n FROM order_placements WHERE state IN ('awaiting_stock', 'rejecting')`,
        ),
        orders: await count(orders, `SELECT count(*) AS n FROM orders WHERE stock_state IN ('reserved', 'release_pending')`),
        reservations: await count(products, `SELECT count(*) AS n FROM stock_reservations WHERE state = 'held'`),
      };
    } finally {
      await orders.close();
      await products.close();
    }
  }
});

/** Signals every process of the platform's group; resolves once they have all let go of `ports`. */
async function killGroup(child: ChildProcess, signal: NodeJS.Signals, ports: number[]): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, signal);
  await exited;
  await until(async () => !(await Promise.all(ports.map(accepts))).some(Boolean), 20_000);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
