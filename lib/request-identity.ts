import crypto from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ROLES, type Role } from "./auth";
import type { AuthMode } from "./config";

/**
 * The one place where a request's identity enters a subgraph. Subgraphs only
 * answer callers holding the service credential (the gateway, or a sibling
 * service), and act on the principal that caller names: the gateway names the
 * user whose token it verified (or anonymous), a sibling service names itself.
 * These headers mean nothing without the credential, and the gateway
 * overwrites whatever a client sent under the same names.
 */
export type Principal = { kind: "anonymous" } | { kind: "service" } | { kind: "user"; userId: number; role: Role };

export interface RequestIdentity {
  principal: Principal;
  authMode: AuthMode;
  /** The client's address as the gateway saw it (login throttling); undefined on calls between services. */
  clientAddress?: string;
}

export const SERVICE_TOKEN_HEADER = "x-service-token";
export const PRINCIPAL_HEADER = "x-principal";
export const CLIENT_ADDRESS_HEADER = "x-client-address";
/** Headers only the platform itself may set; the gateway never passes a client's own on. */
export const IDENTITY_HEADERS = [SERVICE_TOKEN_HEADER, PRINCIPAL_HEADER, CLIENT_ADDRESS_HEADER] as const;

/** The answer's extension in which the users subgraph names accounts whose sessions ended (the gateway drops their cache entries). */
export const SIGNED_OUT_ACCOUNTS_EXTENSION = "signedOutAccounts";

export const ANONYMOUS: Principal = { kind: "anonymous" };
export const SERVICE: Principal = { kind: "service" };

/** "anonymous", "service" or "user:<id>:<role>". */
export function encodePrincipal(principal: Principal): string {
  return principal.kind === "user" ? `user:${principal.userId}:${principal.role}` : principal.kind;
}

/** Anything that is not exactly one of the encoded forms is anonymous: failing closed. */
export function decodePrincipal(value: string | undefined): Principal {
  if (value === "service") return SERVICE;
  const match = /^user:([1-9]\d{0,9}):([a-z]+)$/.exec(value ?? "");
  if (match && (ROLES as readonly string[]).includes(match[2]) && Number(match[1]) <= 2_147_483_647) {
    return { kind: "user", userId: Number(match[1]), role: match[2] as Role };
  }
  return ANONYMOUS;
}

/** Constant-time comparison, so the credential cannot be guessed byte by byte from response times. */
export function hasServiceCredential(headers: IncomingHttpHeaders, serviceToken: string): boolean {
  const presented = headerValue(headers[SERVICE_TOKEN_HEADER]);
  if (!presented) return false;
  const a = crypto.createHash("sha256").update(presented).digest();
  const b = crypto.createHash("sha256").update(serviceToken).digest();
  // Hashing first gives equal lengths, so not even the length leaks.
  return crypto.timingSafeEqual(a, b);
}

/** Read only after hasServiceCredential said yes. */
export function readRequestIdentity(headers: IncomingHttpHeaders, authMode: AuthMode): RequestIdentity {
  const clientAddress = headerValue(headers[CLIENT_ADDRESS_HEADER])?.slice(0, 100) || undefined;
  return { principal: decodePrincipal(headerValue(headers[PRINCIPAL_HEADER])), authMode, clientAddress };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
