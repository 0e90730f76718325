import type { RunningGateway } from "../../gateway/src/gateway";

/** Requests as persisted-document clients send them (APQ, trusted documents), raw, to read status and codes. */

export interface Answer {
  status: number;
  body: { data?: Record<string, any>; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** The `extensions` of a document sent by id (APQ's field, which trusted documents share). */
export const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

export async function postTo(gateway: RunningGateway, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A GET as Apollo Client's persisted-query link sends it: each field a parameter, objects as JSON. */
export async function getFrom(gateway: RunningGateway, params: Record<string, unknown>): Promise<Answer> {
  const search = new URLSearchParams(
    Object.entries(params).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]),
  );
  // Apollo's CSRF prevention serves a GET only with a header a browser would not send without a preflight.
  const response = await fetch(`${gateway.url}/graphql?${search}`, { headers: { "apollo-require-preflight": "true" } });
  return { status: response.status, body: await response.json() };
}

/** Status and code of a refusal. */
export const refusalOf = (answer: Answer) => ({ status: answer.status, code: answer.body.errors?.[0]?.extensions?.code });
