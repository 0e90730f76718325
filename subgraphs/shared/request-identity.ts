import crypto from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { bearerToken, verifyUserToken, type Viewer } from "../../lib/auth";
import type { PlatformSecrets } from "../../lib/secrets";

/**
 * The one place where a request's identity enters a subgraph: the user behind
 * the bearer token (if any), and whether the caller is another service of the
 * platform holding the service credential.
 */
export interface RequestIdentity {
  viewer: Viewer | null;
  isService: boolean;
}

export const SERVICE_TOKEN_HEADER = "x-service-token";

export function readRequestIdentity(headers: IncomingHttpHeaders, secrets: PlatformSecrets): RequestIdentity {
  const token = bearerToken(headerValue(headers.authorization));
  return {
    viewer: token ? verifyUserToken(token, secrets.jwtSecret) : null,
    isService: sameSecret(headerValue(headers[SERVICE_TOKEN_HEADER]), secrets.serviceToken),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
