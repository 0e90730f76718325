import crypto from "node:crypto";
import { hashRefreshToken, newRefreshToken } from "../../../lib/auth";
import { unauthenticated } from "../../../lib/errors";
import type { UsersPrisma } from "./database";

/**
 * Refresh tokens: opaque, stored hashed, one family per login. Each use marks
 * the token used and issues the next of its family; a used token presented
 * again means it leaked (the thief or the owner already used it), so the whole
 * family is revoked and both must log in again.
 */
export class RefreshTokens {
  constructor(
    private readonly prisma: UsersPrisma,
    private readonly lifetimeSeconds: number,
  ) {}

  /** A new token for the user: of a new family (login), or of the given one (rotation). */
  async issue(userId: number, familyId: string = crypto.randomUUID()): Promise<string> {
    const token = newRefreshToken();
    await this.prisma.refreshToken.create({
      data: {
        userId,
        familyId,
        tokenHash: hashRefreshToken(token),
        expiresAt: new Date(Date.now() + this.lifetimeSeconds * 1000),
      },
    });
    return token;
  }

  /** Uses a token up and issues its successor; the user it belongs to and the new token. */
  async rotate(token: string): Promise<{ userId: number; token: string }> {
    const row = await this.prisma.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(token) } });
    if (!row || row.revokedAt || row.expiresAt <= new Date()) throw invalidRefreshToken();
    // Conditional on being unused, so two concurrent uses cannot both succeed: the loser counts as a reuse.
    const { count } = await this.prisma.refreshToken.updateMany({
      where: { id: row.id, usedAt: null, revokedAt: null },
      data: { usedAt: new Date() },
    });
    if (count === 0) {
      await this.revokeFamily(row.familyId);
      throw invalidRefreshToken();
    }
    return { userId: row.userId, token: await this.issue(row.userId, row.familyId) };
  }

  /** Logout: revokes the token's family. False when the token is unknown or already revoked. */
  async revoke(token: string): Promise<boolean> {
    const row = await this.prisma.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(token) } });
    if (!row || row.revokedAt) return false;
    await this.revokeFamily(row.familyId);
    return true;
  }

  /** Every session of the account ends (password change or reset): inside the caller's transaction when given one. */
  async revokeAllOf(userId: number, tx: Pick<UsersPrisma, "refreshToken"> = this.prisma): Promise<void> {
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  }
}

const invalidRefreshToken = () => unauthenticated("Invalid or expired refresh token");
