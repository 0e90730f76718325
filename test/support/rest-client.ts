import http from "node:http";
import { documentedResponses, servedDocument, type ResponseCheck } from "./rest-openapi";

/** What a REST call answered. */
export interface RestResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface RestClient {
  readonly url: string;
  /**
   * Sends a call; a plain object body goes as JSON, a string as it is. Every
   * answer is checked against the OpenAPI document the port serves (fetched
   * before the first call, so it counts once against port 8000's rate limit).
   */
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<RestResponse>;
  get(path: string): Promise<RestResponse>;
  post(path: string, body: unknown): Promise<RestResponse>;
  patch(path: string, body: unknown): Promise<RestResponse>;
}

export function restClient(url: string): RestClient {
  let check: Promise<ResponseCheck> | undefined;
  const client: RestClient = {
    url,
    async call(method, path, { body, headers = {} } = {}) {
      check ??= servedDocument(url).then(documentedResponses);
      const expectDocumented = await check;
      const isJson = body !== undefined && typeof body !== "string";
      const response = await fetch(url + path, {
        method,
        headers: { ...(isJson ? { "content-type": "application/json" } : {}), ...headers },
        body: body === undefined ? undefined : isJson ? JSON.stringify(body) : (body as string),
      });
      const text = await response.text();
      const parsed = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
      expectDocumented(method, path, response.status, parsed);
      return { status: response.status, headers: response.headers, body: parsed };
    },
    get: (path) => client.call("GET", path),
    post: (path, body) => client.call("POST", path, { body }),
    patch: (path, body) => client.call("PATCH", path, { body }),
  };
  return client;
}

/**
 * A GET sent from a given local address (another client, as the rate limits see it), optionally claiming to be
 * someone else in X-Forwarded-For: what a client, or a proxy, would send. Answers the status and the JSON body.
 */
export function getFrom(url: string, localAddress: string, forwardedFor?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers = forwardedFor ? { "x-forwarded-for": forwardedFor } : {};
    http
      .get(url, { localAddress, headers }, (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      })
      .on("error", reject);
  });
}
