import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RunningServer {
  port: number;
  url: string;
  /** Where this service's /metrics is served, when not at `url` (a metrics listener of its own, lib/observability/metrics-server.ts). */
  metricsUrl?: string;
  /** The Node server itself, from listen(): the gateway's WebSocket subscriptions take its upgrades. */
  httpServer?: http.Server;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 asks the OS for a free one) and reports where. */
export async function listen(handler: http.RequestListener, port: number, host: string): Promise<RunningServer> {
  const server = http.createServer(handler);
  // The gateway's HTTP agent keeps idle connections to the subgraphs open without a time limit. Were the
  // server to close them after Node's default 5 s, a request could go out on a connection at the moment it
  // closes and fail as "unavailable"; keeping them longer makes that race rare.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    httpServer: server,
    port: actualPort,
    url: `http://${host === "0.0.0.0" ? "localhost" : host}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
