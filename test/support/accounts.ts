import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from "../../lib/auth";
import { createOrPromoteAdmin } from "../../subgraphs/users/src/admin-accounts";
import { LOGIN_TOKENS, REGISTER } from "./operations";
import type { TestPlatform } from "./platform";

/** Signed-in people for authorization stories: customers who registered, and admins made as `npm run create-admin` makes them. */
export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

let counter = 0;

export async function signUpCustomer(platform: TestPlatform, name = `customer${++counter}`): Promise<Account> {
  const email = `${name}@example.com`;
  const password = `password-of-${name}`;
  await platform.client().request(REGISTER, { input: { email, username: name, password, fullName: name } });
  return signIn(platform, email, password);
}

export async function signUpAdmin(platform: TestPlatform, name = `admin${++counter}`): Promise<Account> {
  const { users } = platform.subgraphs;
  const email = `${name}@example.com`;
  const password = `password-of-${name}`;
  await createOrPromoteAdmin(users.database.prisma, users.passwords, { email, username: name, password });
  return signIn(platform, email, password);
}

export async function signIn(platform: TestPlatform, email: string, password: string): Promise<Account> {
  const { login } = await platform
    .client()
    .request<{ login: { token: string; refreshToken: string; user: { id: string } } }>(LOGIN_TOKENS, { email, password });
  return { id: login.user.id, email, password, token: login.token, refreshToken: login.refreshToken };
}

/** Tokens an attacker could make, each wrong in one way only (the rest is what a real access token holds). */
export function hostileTokens(secret: string, userId: string): Record<string, string> {
  const claims = { role: "admin", typ: "access" };
  const valid = { subject: userId, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, expiresIn: 600 } as const;
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...claims, sub: userId, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600 };
  return {
    "signed with another secret": jwt.sign(claims, crypto.randomBytes(32).toString("hex"), { ...valid, algorithm: "HS256" }),
    "alg none": handMade({ alg: "none", typ: "JWT" }, payload, ""),
    "alg none, signature kept": handMade(
      { alg: "none", typ: "JWT" },
      payload,
      hmac("HS256", secret, { alg: "none", typ: "JWT" }, payload),
    ),
    "HS512 with the right secret": jwt.sign(claims, secret, { ...valid, algorithm: "HS512" }),
    "RS256 header over an HMAC with the right secret": handMade(
      { alg: "RS256", typ: "JWT" },
      payload,
      hmac("HS256", secret, { alg: "RS256", typ: "JWT" }, payload),
    ),
    "RS256 with its own key": jwt.sign(claims, rsaKey(), { ...valid, algorithm: "RS256" }),
    "wrong issuer": jwt.sign(claims, secret, { ...valid, algorithm: "HS256", issuer: "someone-else" }),
    "wrong audience": jwt.sign(claims, secret, { ...valid, algorithm: "HS256", audience: "another-api" }),
    expired: jwt.sign({ ...payload, iat: now - 1200, exp: now - 600 }, secret, { algorithm: "HS256" }),
    "without expiry": handMade({ alg: "HS256", typ: "JWT" }, { ...payload, exp: undefined }, null, secret),
    "not an access token": jwt.sign({ ...claims, typ: "refresh" }, secret, { ...valid, algorithm: "HS256" }),
    "tampered payload": tamper(jwt.sign({ ...claims, role: "customer" }, secret, { ...valid, algorithm: "HS256" })),
    "a user that does not exist": jwt.sign(claims, secret, { ...valid, subject: "99999", algorithm: "HS256" }),
    garbage: "not-a-token",
  };
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

function hmac(_alg: "HS256", secret: string, header: object, payload: object): string {
  return crypto
    .createHmac("sha256", secret)
    .update(`${b64(header)}.${b64(payload)}`)
    .digest("base64url");
}

/** A JWT put together by hand; `signWith` signs it correctly with HS256. */
function handMade(header: object, payload: object, signature: string | null, signWith?: string): string {
  const body = JSON.parse(JSON.stringify(payload)) as object;
  const sig = signature ?? hmac("HS256", signWith!, header, body);
  return `${b64(header)}.${b64(body)}.${sig}`;
}

/** Same signature, payload raised to admin. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  return `${header}.${b64({ ...claims, role: "admin" })}.${signature}`;
}

let rsa: string | undefined;
function rsaKey(): string {
  rsa ??= crypto
    .generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  return rsa;
}
