import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy on a fixed local port in front of a server (NATS), that a test
 * can take away and bring back: `stop()` closes the port and cuts every
 * connection (the server is down or unreachable), `start()` opens the same
 * port again. `latencyMs` delays every chunk each way, as a distant or slow
 * server would; order is kept on each connection even when it changes (a
 * chunk never overtakes one still held back). `chunksFromClients` counts what
 * clients sent, to tell whether they are calling the server at all.
 * Test infrastructure only.
 */
export interface TcpProxy {
  /** host:port clients connect to; the same across stop and start. */
  address: string;
  port: number;
  /** Delay added to every chunk in each direction; 0 (the default) forwards at once. */
  latencyMs: number;
  /** Chunks received from clients so far (counted on arrival, however late they are forwarded). */
  chunksFromClients: number;
  /** Chunks held back by `latencyMs` right now, both ways: 0 once everything sent has arrived. */
  readonly chunksHeld: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const queues = new Set<unknown[]>();
  const forward = (from: net.Socket, to: net.Socket, fromClient: boolean) => {
    const held: { chunk: Buffer; due: number }[] = [];
    queues.add(held);
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      timer = undefined;
      while (held.length && held[0].due <= Date.now()) {
        const { chunk } = held.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (held.length) timer = setTimeout(release, held[0].due - Date.now());
    };
    from.on("data", (chunk: Buffer) => {
      if (fromClient) proxy.chunksFromClients++;
      if (proxy.latencyMs === 0 && held.length === 0) return void to.write(chunk);
      held.push({ chunk, due: Date.now() + proxy.latencyMs });
      timer ??= setTimeout(release, Math.max(0, held[0].due - Date.now()));
    });
    from.on("close", () => {
      clearTimeout(timer);
      queues.delete(held);
    });
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    forward(client, upstream, true);
    forward(upstream, client, false);
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
    chunksFromClients: 0,
    get chunksHeld() {
      return [...queues].reduce((sum, held) => sum + held.length, 0);
    },
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
