import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy on a fixed local port in front of a server (NATS), that a test
 * can take away and bring back: `stop()` closes the port and cuts every
 * connection (the server is down or unreachable), `start()` opens the same
 * port again. `latencyMs` delays every chunk each way, as a distant server
 * would (order kept: timers of equal delay fire in the order they were set).
 * Test infrastructure only.
 */
export interface TcpProxy {
  /** host:port clients connect to; the same across stop and start. */
  address: string;
  port: number;
  /** Delay added to every chunk in each direction; 0 (the default) forwards at once. */
  latencyMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on("data", (chunk) => {
      if (proxy.latencyMs === 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), proxy.latencyMs);
    });
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const proxy: TcpProxy = {
    address: `127.0.0.1:${port}`,
    port,
    latencyMs: 0,
    start: () => (server.listening ? Promise.resolve() : listen(port)),
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  return proxy;
}
