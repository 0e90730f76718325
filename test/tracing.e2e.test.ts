import crypto from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER, ORDER_ACROSS_SUBGRAPHS } from "./support/operations";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./support/otlp-receiver";
import { BUSY_MACHINE_WAITS } from "./support/platform";
import { startPlatformProcess, type PlatformProcess } from "./support/platform-process";
import { eventually } from "./support/until";

// Traces across every hop, as exported by the real processes (`npm start`'s
// script) over OTLP http/json to a small receiver. The database backend does
// not change the tracing: one run on embedded PGlite.
describe("traces across every hop", () => {
  let receiver: OtlpReceiver;
  let platform: PlatformProcess;
  let userId: string;
  let productId: string;
  let orderId: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    platform = await startPlatformProcess({
      migrated: true,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "100", // export every 100 ms rather than every 5 s
        // Tracing is the subject, not the waits: with four suites on two cores, the first registration after the
        // start outlasted production's 10 s wait for the users subgraph once (SERVICE_UNAVAILABLE).
        BCRYPT_COST: "10",
        ...BUSY_MACHINE_WAITS,
      },
    });
    const gql = new GraphQLClient(platform.gatewayUrl);
    userId = await registerUser(gql, "ada");
    productId = await createProduct(gql, { name: "Kettle", price: "20.00", stockQuantity: 5 });
    const { createOrder } = await gql.request<{ createOrder: { id: string } }>(CREATE_ORDER, {
      userId,
      items: [{ productId, quantity: 1 }],
    });
    orderId = createOrder.id;
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  /** A W3C traceparent of our own, so that the test knows the trace id and the caller's span id. */
  function newTraceparent() {
    const traceId = crypto.randomBytes(16).toString("hex");
    const callerSpanId = crypto.randomBytes(8).toString("hex");
    return { traceId, callerSpanId, header: `00-${traceId}-${callerSpanId}-01` };
  }

  /** Spans whose parent is not in the trace: in one connected trace, only the span answering the caller. */
  function rootsOf(spans: ReceivedSpan[]): ReceivedSpan[] {
    const ids = new Set(spans.map((span) => span.spanId));
    return spans.filter((span) => !ids.has(span.parentSpanId ?? ""));
  }

  /**
   * The trace's spans, once each of these services has sent some and the trace
   * is connected (each service exports on its own schedule, so a span may
   * arrive before its parent does).
   */
  async function spansOf(trace: { traceId: string; callerSpanId: string }, services: string[]): Promise<ReceivedSpan[]> {
    const complete = (spans: typeof receiver.spans) => {
      const roots = rootsOf(spans);
      const connected = roots.length === 1 && roots[0].parentSpanId === trace.callerSpanId;
      return connected && services.every((service) => spans.some((span) => span.service === service));
    };
    const spans = await eventually(() => receiver.spans.filter((span) => span.traceId === trace.traceId), complete);
    if (complete(spans)) return spans;
    const summary = spans.map((span) => `${span.service} ${span.name} ${span.spanId} <- ${span.parentSpanId}`);
    throw new Error(`trace ${trace.traceId} is not one connected trace over ${services}:\n${summary.join("\n")}`);
  }

  test("a federated order query is one trace, with a gateway span per subgraph fetch and each subgraph's work under it", async () => {
    const trace = newTraceparent();
    const client = new GraphQLClient(platform.gatewayUrl, { headers: { traceparent: trace.header } });
    const { order } = await client.request<{ order: { user: { username: string } } }>(ORDER_ACROSS_SUBGRAPHS, { id: orderId });
    expect(order.user.username).toBe("ada");
    const spans = await spansOf(trace, ["gateway", "orders-subgraph", "users-subgraph", "products-subgraph"]);
    expect(rootsOf(spans)).toEqual([expect.objectContaining({ service: "gateway", kind: 2 })]);
    // The order from orders, then its user from users and its product from products.
    const fetches = spans.filter((span) => span.name === "gateway.fetch");
    expect(fetches.map((span) => span.attributes.service).sort()).toEqual(["orders", "products", "users"]);
  });

  test("an order placed through the REST shim is one trace through the gateway, the services' calls to each other, and the database", async () => {
    // A buyer orders has not seen yet: orders remembers buyers it has checked, and this trace must show the check.
    const buyerId = await registerUser(new GraphQLClient(platform.gatewayUrl), "grace");
    const trace = newTraceparent();
    const response = await fetch(`${platform.restUrl("legacyGateway")}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: trace.header },
      body: JSON.stringify({ user_id: Number(buyerId), items: [{ product_id: Number(productId), quantity: 1 }] }),
    });
    expect(response.status).toBe(201);
    const spans = await spansOf(trace, ["gateway", "orders-subgraph", "users-subgraph", "products-subgraph"]);
    // The gateway's process serves the REST port: the REST request is the trace's one server span there, and the
    // gateway's plan runs under it with no HTTP hop of its own.
    const serverSpan = (service: string) => spans.filter((span) => span.service === service && span.kind === 2);
    expect(rootsOf(spans)).toEqual([expect.objectContaining({ service: "gateway", kind: 2 })]);
    expect(serverSpan("gateway")).toHaveLength(1);
    expect(spans.filter((span) => span.name === "gateway.fetch").map((span) => span.attributes.service)).toEqual(["orders"]);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const callerOf = (span: ReceivedSpan) => byId.get(span.parentSpanId ?? "")?.service;
    // The orders subgraph asks users (does the user exist?) and products (take the stock) itself.
    expect(serverSpan("users-subgraph").map(callerOf)).toContain("orders-subgraph");
    expect(serverSpan("products-subgraph").map(callerOf)).toContain("orders-subgraph");
    expect(serverSpan("orders-subgraph").map(callerOf)).toEqual(["gateway"]);
    // Prisma's queries are spans too, in the subgraph that ran them.
    expect(spans.some((span) => span.service === "orders-subgraph" && span.name.startsWith("prisma:"))).toBe(true);
  });
});
