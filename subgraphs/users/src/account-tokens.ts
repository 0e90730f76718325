import { hashRefreshToken, newRefreshToken } from "../../../lib/auth";
import type { AccountToken, AccountTokenPurpose } from "../../../prisma/users/generated/client/client";
import type { UsersWriter } from "./mail/outbox";

/**
 * The one-time tokens of emailed links (password reset, email verification):
 * 256 random bits, stored only as their SHA-256 hash (as refresh tokens are,
 * lib/auth.ts), each working once and only before it expires. `now` is the
 * service's clock, so tests can move it instead of waiting.
 */
export async function issueAccountToken(
  tx: UsersWriter,
  options: { userId: number; purpose: AccountTokenPurpose; email?: string; ttlSeconds: number; now: Date },
): Promise<string> {
  const token = newRefreshToken();
  await tx.accountToken.create({
    data: {
      userId: options.userId,
      purpose: options.purpose,
      email: options.email,
      tokenHash: hashRefreshToken(token),
      createdAt: options.now,
      expiresAt: new Date(options.now.getTime() + options.ttlSeconds * 1000),
    },
  });
  return token;
}

/** The unused, unexpired token's row, or null. Reads only: `useAccountToken` spends it. */
export async function findUsableAccountToken(
  tx: UsersWriter,
  token: string,
  purpose: AccountTokenPurpose,
  now: Date,
): Promise<AccountToken | null> {
  // Only well-formed tokens are looked up (and no NUL byte reaches PostgreSQL).
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await tx.accountToken.findUnique({ where: { tokenHash: hashRefreshToken(token) } });
  return row && row.purpose === purpose && !row.usedAt && row.expiresAt > now ? row : null;
}

/** Spends a token; false when another request spent it first (so two concurrent uses cannot both succeed). */
export async function useAccountToken(tx: UsersWriter, id: number, now: Date): Promise<boolean> {
  const { count } = await tx.accountToken.updateMany({ where: { id, usedAt: null }, data: { usedAt: now } });
  return count === 1;
}

/** Spends every unused token of this purpose of the account: a newer one, or the change it was for, made them moot. */
export async function retireAccountTokens(
  tx: UsersWriter,
  userId: number,
  purpose: AccountTokenPurpose,
  now: Date,
): Promise<void> {
  await tx.accountToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: now } });
}
