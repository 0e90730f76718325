import { z } from "zod";
import { Prisma, type AccountStatus, type Role, type User } from "../../../prisma/users/generated/client/client";
import { DomainError, ErrorCode, notFound } from "../../../lib/errors";
import { parseInput } from "../../shared/validation";
import { exportAccount, type AccountExportRecord } from "./account-export";
import type { AccountChangeThrottle } from "./account-throttle";
import type { UsersPrisma } from "./database";
import type { Passwords } from "./passwords";
import { RegisterInput } from "./user.service";

/**
 * Accounts after registration: profile edits, closing, disabling, roles, and
 * data exports. The caller was checked by account.policy.ts; the rules about
 * the account itself are here. Every change that ends an account's use
 * (closing, disabling, demoting) runs in one transaction with the check that
 * some active admin remains, and with the revocation of its refresh tokens.
 * Its access tokens stop at the gateway, which asks users for the account's
 * status (gateway/src/context.ts).
 */

/** Validated as at registration; null or omitted keeps the current value. */
const ProfileInput = z.object({
  fullName: z.string().trim().max(255).nullish(),
  username: RegisterInput.shape.username.nullish(),
});

/** Changes that can remove an active admin. */
type StatusChange = { role?: Role; status?: AccountStatus };

export interface AccountServiceDeps {
  prisma: UsersPrisma;
  passwords: Passwords;
  throttle: AccountChangeThrottle;
}

const conflict = (message: string) => new DomainError(ErrorCode.CONFLICT, message);
const closedAccount = () => conflict("This account is closed");

/**
 * What a closed account keeps: values that identify nobody, still unique per
 * account, and that registration can never produce ('#' is neither in a
 * username nor in an email registration accepts), so they never collide.
 */
export const anonymisedFields = (userId: number) => ({
  email: `closed#${userId}`,
  username: `closed#${userId}`,
  fullName: "",
  // No bcrypt hash: nothing can match it, and the old one is gone.
  passwordHash: "",
});

export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async updateProfile(callerId: number, userId: number, input: unknown): Promise<User> {
    const { fullName, username } = parseInput(ProfileInput, input);
    await this.deps.throttle.count(callerId);
    const data = { ...(fullName != null && { fullName }), ...(username != null && { username }) };
    try {
      // Conditional on not being closed, so a close that commits first wins and the edit is refused.
      return await this.deps.prisma.user.update({ where: { id: userId, status: { not: "closed" } }, data });
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError)) throw error;
      if (error.code === "P2002") throw new DomainError(ErrorCode.ALREADY_EXISTS, "This username is taken");
      if (error.code === "P2025")
        throw (await this.deps.prisma.user.count({ where: { id: userId } })) ? closedAccount() : userNotFound();
      throw error;
    }
  }

  /** The owner closes their account; the password confirms it is them, not someone at an unlocked screen. */
  async closeOwn(userId: number, password: string): Promise<User> {
    await this.deps.throttle.count(userId);
    const user = await this.deps.prisma.user.findUnique({ where: { id: userId } });
    const matches = await this.deps.passwords.verify(password, user?.passwordHash);
    if (!user || !matches) throw new DomainError(ErrorCode.UNAUTHENTICATED, "Wrong password");
    return this.apply(userId, (account) => closing(account));
  }

  async close(callerId: number, userId: number): Promise<User> {
    await this.deps.throttle.count(callerId);
    return this.apply(userId, (account) => closing(account));
  }

  async disable(callerId: number, userId: number): Promise<User> {
    await this.deps.throttle.count(callerId);
    return this.apply(userId, (account) => {
      if (account.status === "closed") throw closedAccount();
      return { status: "disabled" };
    });
  }

  async enable(callerId: number, userId: number): Promise<User> {
    await this.deps.throttle.count(callerId);
    return this.apply(userId, (account) => {
      if (account.status === "closed") throw closedAccount();
      return { status: "active" };
    });
  }

  async setRole(callerId: number, userId: number, role: Role): Promise<User> {
    await this.deps.throttle.count(callerId);
    return this.apply(userId, (account) => {
      if (account.status === "closed") throw closedAccount();
      return { role };
    });
  }

  async export(callerId: number, userId: number): Promise<AccountExportRecord> {
    await this.deps.throttle.count(callerId);
    return exportAccount(this.deps.prisma, userId);
  }

  /**
   * One change of role or status, refused when it would leave no active admin.
   * The active admins' rows are locked first, so two admins demoting or
   * disabling each other at once take turns and the second sees the first's
   * change. An account that leaves the active state loses its sessions in the
   * same transaction.
   */
  private apply(userId: number, change: (account: User) => StatusChange & Prisma.UserUpdateInput): Promise<User> {
    return this.deps.prisma.$transaction(async (tx) => {
      const admins = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM users WHERE role = 'admin' AND status = 'active' ORDER BY id FOR UPDATE`;
      const account = await tx.user.findUnique({ where: { id: userId } });
      if (!account) throw userNotFound();
      const data = change(account);
      if (Object.keys(data).length === 0) return account;
      const staysActiveAdmin = (data.role ?? account.role) === "admin" && (data.status ?? account.status) === "active";
      if (!staysActiveAdmin && admins.length === 1 && admins[0].id === userId) {
        throw conflict("This is the last active admin; promote another account first");
      }
      const updated = await tx.user.update({ where: { id: userId }, data });
      if (data.status === "closed") {
        await tx.refreshToken.deleteMany({ where: { userId } });
        // Emailed links (password reset, email verification) hold an address and could act on the closed account.
        await tx.accountToken.deleteMany({ where: { userId } });
      }
      if (data.status === "disabled") {
        await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
      }
      return updated;
    });
  }
}

/** Closing is final and happens once: closing a closed account again answers it as it is. */
function closing(account: User): StatusChange & Prisma.UserUpdateInput {
  if (account.status === "closed") return {};
  return { status: "closed", closedAt: new Date(), ...anonymisedFields(account.id) };
}

const userNotFound = () => notFound("User not found");
