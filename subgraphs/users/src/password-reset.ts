import { z } from "zod";
import type { User } from "../../../prisma/users/generated/client/client";
import { badInput } from "../../../lib/errors";
import { parseInput } from "../../shared/validation";
import { accountWithPassword, type AccountMailDeps } from "./account-mail";
import { findUsableAccountToken, issueAccountToken, retireAccountTokens, useAccountToken } from "./account-tokens";
import { enqueueMail, type UsersWriter } from "./mail/outbox";
import { templates } from "./mail/templates";
import { PasswordSchema } from "./passwords";

const NewPassword = z.object({ newPassword: PasswordSchema });
const invalidResetToken = () => badInput("This password reset link is invalid, used or expired", { field: "token" });

/**
 * Changing and resetting a password. Either ends every session of the account:
 * all its refresh tokens are revoked and its token version goes up, so every
 * access token signed before is refused by the gateway at once (lib/auth.ts,
 * gateway/src/context.ts), and the owner is told by email. Each returns the
 * account whose sessions ended, for the gateway to forget its cached entry.
 */
export class PasswordFlows {
  constructor(private readonly deps: AccountMailDeps) {}

  /** Signed in, with the current password; answers the account with its new token version. */
  async change(userId: number, currentPassword: string, newPassword: string, clientAddress: string | undefined): Promise<User> {
    const { newPassword: password } = parseInput(NewPassword, { newPassword });
    const user = await accountWithPassword(this.deps, {
      userId,
      password: currentPassword,
      field: "currentPassword",
      clientAddress,
    });
    const passwordHash = await this.deps.passwords.hash(password);
    const changed = await this.deps.prisma.$transaction((tx) => this.setPassword(tx, user, passwordHash));
    this.deps.relay.wake();
    return changed;
  }

  /**
   * Always true, in the same time whether the address has an account or not: the answer goes out once the
   * client's address has been counted, before the address is even looked up; the look-up, the token and the
   * email are written after. Should the process stop in between, no email is sent and the person asks again.
   */
  async request(email: string, clientAddress: string | undefined): Promise<boolean> {
    await this.deps.throttle.countRequest(clientAddress);
    const address = email.trim().toLowerCase().slice(0, 255);
    setImmediate(() => {
      this.queueReset(address).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, "could not queue a password reset email"),
      );
    });
    return true;
  }

  private async queueReset(address: string): Promise<void> {
    if (address.includes("\0")) return;
    // Looked up first, for every address alike: this work can still delay the answer (Prisma plans each query on
    // this thread), so it must not differ between a known address and an unknown one, throttled or not.
    const user = await this.deps.prisma.user.findUnique({ where: { email: address } });
    // Counted for unknown addresses too; past the limit nothing is sent, and the answer was the same.
    if (!(await this.deps.throttle.mayEmail(address))) return;
    // A disabled or closed account cannot sign in, so it gets no reset link either.
    if (!user || user.status !== "active" || !(await this.deps.throttle.mayEmail(`user:${user.id}`))) return;
    const now = this.deps.now();
    const ttlSeconds = this.deps.mail.passwordResetTtlSeconds;
    await this.deps.prisma.$transaction(async (tx) => {
      const token = await issueAccountToken(tx, { userId: user.id, purpose: "password_reset", ttlSeconds, now });
      await enqueueMail(tx, user.email, templates.passwordReset(this.deps.mail.publicUrl, token, ttlSeconds));
    });
    this.deps.relay.wake();
  }

  /** Spends the token, sets the password and signs every session out; the account whose sessions ended. */
  async reset(token: string, newPassword: string, clientAddress: string | undefined): Promise<User> {
    const { newPassword: password } = parseInput(NewPassword, { newPassword });
    await this.deps.throttle.assertMayTryToken(clientAddress);
    const now = this.deps.now();
    // Checked before hashing, so that a made-up token costs a look-up, not a bcrypt hash.
    const row = await findUsableAccountToken(this.deps.prisma, token, "password_reset", now);
    const user = row && (await this.deps.prisma.user.findUnique({ where: { id: row.userId } }));
    if (!row || !user || user.status !== "active") {
      await this.deps.throttle.recordBadToken(clientAddress);
      throw invalidResetToken();
    }
    const passwordHash = await this.deps.passwords.hash(password);
    const changed = await this.deps.prisma.$transaction(async (tx) => {
      if (!(await useAccountToken(tx, row.id, now))) throw invalidResetToken();
      // Opening the emailed link proves the address is the owner's.
      return this.setPassword(tx, { ...user, emailVerified: true }, passwordHash);
    });
    this.deps.relay.wake();
    return changed;
  }

  /** Inside the caller's transaction: the new hash, a new token version, no refresh token left, no other reset link, an email. */
  private async setPassword(tx: UsersWriter, user: User, passwordHash: string): Promise<User> {
    const now = this.deps.now();
    const changed = await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, emailVerified: user.emailVerified, tokenVersion: { increment: 1 } },
    });
    await this.deps.refreshTokens.revokeAllOf(user.id, tx);
    await retireAccountTokens(tx, user.id, "password_reset", now);
    await enqueueMail(tx, user.email, templates.passwordChanged());
    return changed;
  }
}
