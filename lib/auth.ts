import crypto from "node:crypto";
import jwt from "jsonwebtoken";

/**
 * Users' tokens. An access token is a short-lived JWT the users subgraph signs
 * at login and the gateway verifies; a refresh token is an opaque random
 * string, stored only as a hash, that buys a new access token (users subgraph,
 * refresh-tokens.ts). Neither can pass for the other: a refresh token is not a
 * JWT at all, and an access token's hash is in no refresh-token row.
 */
export const ROLES = ["customer", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What a verified access token says: who, and the role they had when it was signed. */
export interface AccessClaims {
  userId: string;
  role: Role;
  /**
   * The account's token version when the token was signed (claim `ver`): the gateway refuses a token whose
   * version is not the account's current one, so ending every session (a password change) takes effect at
   * once. Tokens signed before versions existed carry none and count as version 0.
   */
  tokenVersion: number;
}

/** Pinned: tokens that name any other algorithm (none, HS512, RS256 …) are refused. */
const ALGORITHM = "HS256";
export const TOKEN_ISSUER = "federated-shop/users";
export const TOKEN_AUDIENCE = "federated-shop/api";
/** A claim that marks access tokens, so that no other token signed with the secret can pass for one. */
const ACCESS_TOKEN_TYPE = "access";

export function signAccessToken(
  claims: Omit<AccessClaims, "tokenVersion"> & Partial<AccessClaims>,
  secret: string,
  lifetimeSeconds: number,
): string {
  return jwt.sign({ role: claims.role, typ: ACCESS_TOKEN_TYPE, ver: claims.tokenVersion ?? 0 }, secret, {
    subject: claims.userId,
    expiresIn: lifetimeSeconds,
    algorithm: ALGORITHM,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
  });
}

/** The claims an access token proves, or null when it is malformed, forged, expired or not an access token. */
export function verifyAccessToken(token: string, secret: string): AccessClaims | null {
  try {
    const claims = jwt.verify(token, secret, { algorithms: [ALGORITHM], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
    if (typeof claims === "string") return null;
    // jsonwebtoken checks `exp` only when present; a token without one would never expire.
    if (typeof claims.exp !== "number" || !claims.sub || claims.typ !== ACCESS_TOKEN_TYPE) return null;
    if (!(ROLES as readonly unknown[]).includes(claims.role)) return null;
    const tokenVersion = claims.ver ?? 0;
    if (!Number.isInteger(tokenVersion) || tokenVersion < 0) return null;
    return { userId: claims.sub, role: claims.role as Role, tokenVersion };
  } catch {
    return null;
  }
}

/** A new refresh token: 256 random bits, URL-safe. Only its hash is stored. */
export function newRefreshToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

/** SHA-256 is enough here (no bcrypt): the token is random and long, so there is nothing to guess from its hash. */
export function hashRefreshToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}
