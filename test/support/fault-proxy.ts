import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy put between a service and the subgraph it calls, failing
 * chosen GraphQL operations (by operation name) the ways a network or a
 * service fails:
 *
 * - `refuse`: the connection breaks before the request arrives (the callee is
 *   down): the step did not happen;
 * - `drop-answer`: the request is delivered and answered, then the connection
 *   breaks (the step happened; the caller cannot know);
 * - `hang`: the request is held, as a stopped (SIGSTOP) process holds it in
 *   its socket; `heal()` delivers it late, as that process does when it is
 *   continued.
 *
 * Test infrastructure only: small on purpose, and exercised by every fault test.
 */
export type Fault = "refuse" | "drop-answer" | "hang";

export interface FaultProxy {
  /** Base URL; paths pass through (`${url}/graphql`). */
  url: string;
  /** Fails every request for `operation` ("*" for all) with `fault` until healed. */
  fail(operation: string, fault: Fault): void;
  /** Stops failing; held requests are delivered now (late). Resolves when they have been answered by the target. */
  heal(): Promise<void>;
  /** Resolves once `count` requests are being held. */
  waitForHeld(count?: number): Promise<void>;
  /** How many requests for `operation` reached the target. */
  delivered(operation: string): number;
  /** How many requests reached the proxy, whatever became of them. */
  received(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const rules = new Map<string, Fault>();
  const held: (() => Promise<void>)[] = [];
  const deliveredCount = new Map<string, number>();
  let heldWaiters: (() => void)[] = [];
  let receivedCount = 0;

  const forward = async (req: http.IncomingMessage, body: Buffer, operation: string): Promise<Response> => {
    deliveredCount.set(operation, (deliveredCount.get(operation) ?? 0) + 1);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && !["host", "connection", "content-length"].includes(name)) headers[name] = value;
    }
    return fetch(new URL(req.url ?? "/", targetUrl), {
      method: req.method,
      headers,
      body: body.length ? new Uint8Array(body) : undefined,
    });
  };

  const reply = async (res: http.ServerResponse, answer: Response) => {
    const text = await answer.text();
    if (res.destroyed) return;
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    receivedCount += 1;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const operation = operationNameOf(body);
      const fault = rules.get(operation) ?? rules.get("*");
      if (fault === "refuse") {
        req.socket.destroy();
        return;
      }
      if (fault === "hang") {
        held.push(async () => {
          const answer = await forward(req, body, operation).catch(() => null);
          if (answer) await reply(res, answer);
          else req.socket.destroy();
        });
        if (held.length) heldWaiters.forEach((wake) => wake());
        return;
      }
      forward(req, body, operation).then(
        async (answer) => {
          if (fault === "drop-answer") {
            await answer.text();
            req.socket.destroy();
            return;
          }
          await reply(res, answer);
        },
        () => req.socket.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    fail: (operation, fault) => void rules.set(operation, fault),
    heal: async () => {
      rules.clear();
      const late = held.splice(0);
      await Promise.all(late.map((deliver) => deliver()));
    },
    waitForHeld: (count = 1) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (held.length < count) return;
          heldWaiters = heldWaiters.filter((wake) => wake !== check);
          resolve();
        };
        heldWaiters.push(check);
        check();
      }),
    delivered: (operation) => deliveredCount.get(operation) ?? 0,
    received: () => receivedCount,
    close: () =>
      new Promise<void>((resolve) => {
        held.splice(0);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function operationNameOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString()) as { operationName?: unknown; query?: unknown };
    if (typeof parsed.operationName === "string") return parsed.operationName;
    const match = typeof parsed.query === "string" ? /^\s*(?:query|mutation)\s+(\w+)/.exec(parsed.query) : null;
    return match?.[1] ?? "";
  } catch {
    return "";
  }
}
