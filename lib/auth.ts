import jwt from "jsonwebtoken";

/**
 * Users' bearer tokens. The users subgraph signs them at login; the gateway
 * and every subgraph verify them with the same secret.
 */
export interface Viewer {
  userId: string;
  email: string;
}

const TOKEN_LIFETIME = "24h"; // as the legacy system issued them
const ALGORITHM = "HS256";

export function signUserToken(viewer: Viewer, secret: string): string {
  return jwt.sign({ email: viewer.email }, secret, { subject: viewer.userId, expiresIn: TOKEN_LIFETIME, algorithm: ALGORITHM });
}

/** The viewer a token proves, or null when it is malformed, forged or expired. */
export function verifyUserToken(token: string, secret: string): Viewer | null {
  try {
    const claims = jwt.verify(token, secret, { algorithms: [ALGORITHM] });
    if (typeof claims === "string" || !claims.sub) return null;
    return { userId: claims.sub, email: String(claims.email ?? "") };
  } catch {
    return null;
  }
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}
