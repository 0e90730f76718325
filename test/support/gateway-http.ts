import http from "node:http";
import { startGateway, type GatewaySettings, type RunningGateway } from "../../gateway/src/gateway";
import { readSupergraph } from "../../gateway/src/supergraph";
import { firstGraphQLError } from "../../lib/graphql-client";
import { createLogger } from "../../lib/logger";
import type { TestPlatform } from "./platform";

/** Raw HTTP to a gateway (status, headers, chosen client address), and more gateways over a test platform's subgraphs. */

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** The code of a raw answer's first GraphQL error, read as the platform's clients read it (lib/graphql-client.ts). */
export const firstErrorCode = (answer: Answer): unknown => firstGraphQLError(answer.body)?.code;

/** POSTs a GraphQL request from a chosen local address (so that a limiter sees different clients). */
export function postGraphQL(
  url: string,
  payload: unknown,
  options: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const target = new URL(url);
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: "POST",
        localAddress: options.localAddress,
        headers: { "content-type": "application/json", ...options.headers },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const logger = createLogger("test", process.env.LOG_LEVEL ?? "silent");

/** Another gateway over the same subgraphs, with its own settings (and its in-process client, for a REST shim). */
export async function gatewayOver(
  platform: TestPlatform,
  overrides: Partial<GatewaySettings>,
): Promise<RunningGateway & { graphqlUrl: string }> {
  const { users, products, orders } = platform.subgraphs;
  const gateway = await startGateway({
    port: 0,
    host: "127.0.0.1",
    subgraphUrls: { users: `${users.url}/graphql`, products: `${products.url}/graphql`, orders: `${orders.url}/graphql` },
    supergraphSdl: readSupergraph(),
    jwtSecret: platform.secrets.jwtSecret,
    serviceToken: platform.secrets.serviceToken,
    authMode: "open",
    subgraphTimeoutMs: 10_000,
    logger,
    rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 },
    ...overrides,
  });
  return { ...gateway, graphqlUrl: `${gateway.url}/graphql` };
}
