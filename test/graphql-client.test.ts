import http from "node:http";
import type net from "node:net";
import { callFailureOf, timedFetch } from "../lib/graphql-client";

/** How a call between services fails, as the circuit breakers and the error mapping read it. */
describe("timedFetch", () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/broken") {
        // The head and part of the body, then the connection breaks.
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"data":');
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (req.url === "/slow") return; // never answers
      res.setHeader("content-type", "application/json");
      res.end('{"data":{"ok":true}}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("answers as fetch does", async () => {
    const response = await timedFetch(1000)(`${url}/ok`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ data: { ok: true } });
  });

  test("a connection that breaks while the answer is read is an unreachable dependency, not an unexpected error", async () => {
    const failure = await timedFetch(1000)(`${url}/broken`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(callFailureOf(failure)).toEqual({ kind: "unreachable" });
  });

  test("an answer that does not come in time is a timeout", async () => {
    const failure = await timedFetch(200)(`${url}/slow`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(callFailureOf(failure)).toEqual({ kind: "timeout" });
  });
});
