import { z } from "zod";
import { Prisma, type Role, type User } from "../../../prisma/users/generated/client/client";
import { badInput, DomainError, ErrorCode } from "../../../lib/errors";
import { parseInput } from "../../shared/validation";
import { accountWithPassword, type AccountMailDeps } from "./account-mail";
import { findUsableAccountToken, issueAccountToken, retireAccountTokens, useAccountToken } from "./account-tokens";
import { enqueueMail, type UsersWriter } from "./mail/outbox";
import { templates } from "./mail/templates";
import { RegisterInput } from "./user.service";

const NewEmail = z.object({ newEmail: RegisterInput.shape.email });
const invalidVerifyToken = () => badInput("This verification link is invalid, used or expired", { field: "token" });
const usernameTaken = () => new DomainError(ErrorCode.ALREADY_EXISTS, "This username is taken");
const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

export interface NewAccount {
  email: string;
  username: string;
  passwordHash: string;
  fullName: string;
  role: Role;
}

/**
 * Email addresses: every new account and every new address gets a one-time
 * verification link (EMAIL_VERIFICATION_TTL_SECONDS), and an address change
 * takes effect only when the new address opens its link; the old address is
 * told when the change is asked for. `signUp` registers without revealing
 * whether an email has an account.
 */
export class EmailFlows {
  constructor(private readonly deps: AccountMailDeps) {}

  /** The account and its verification email, in one transaction. Throws Prisma's P2002 when the email or username is taken. */
  async createAccount(data: NewAccount): Promise<User> {
    const user = await this.deps.prisma.$transaction(async (tx) => {
      const created = await tx.user.create({ data });
      await this.queueVerification(tx, created.id, created.email);
      return created;
    });
    this.deps.relay.wake();
    return user;
  }

  /**
   * Registration that reveals no account: true for a new email and for a taken one alike, after the same work
   * (a look-up, a bcrypt hash, a transaction that writes an email); the owner of a taken email is told by email
   * instead. A taken username is ALREADY_EXISTS: usernames are public.
   */
  async signUp(input: unknown, clientAddress: string | undefined): Promise<boolean> {
    const { email, username, password, fullName } = parseInput(RegisterInput, input);
    await this.deps.throttle.countRequest(clientAddress);
    if (await this.deps.prisma.user.findUnique({ where: { username }, select: { id: true } })) throw usernameTaken();
    const passwordHash = await this.deps.passwords.hash(password);
    try {
      await this.createAccount({ email, username, passwordHash, fullName, role: "customer" });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // The email (or, by a concurrent registration, the username) was taken.
    const owner = await this.deps.prisma.user.findUnique({ where: { email } });
    if (!owner) throw usernameTaken();
    if (await this.deps.throttle.mayEmail(`user:${owner.id}`)) {
      await this.deps.prisma.$transaction((tx) =>
        enqueueMail(tx, owner.email, templates.alreadyRegistered(this.deps.mail.publicUrl)),
      );
      this.deps.relay.wake();
    }
    return true;
  }

  /** Spends the token: the address it was sent to becomes the account's, verified. */
  async verify(token: string, clientAddress: string | undefined): Promise<boolean> {
    await this.deps.throttle.assertMayTryToken(clientAddress);
    const now = this.deps.now();
    const row = await findUsableAccountToken(this.deps.prisma, token, "verify_email", now);
    if (!row?.email) {
      await this.deps.throttle.recordBadToken(clientAddress);
      throw invalidVerifyToken();
    }
    const email = row.email;
    try {
      await this.deps.prisma.$transaction(async (tx) => {
        if (!(await useAccountToken(tx, row.id, now))) throw invalidVerifyToken();
        // Links for any other address (the old one, an abandoned change) stop working.
        await retireAccountTokens(tx, row.userId, "verify_email", now);
        await tx.user.update({ where: { id: row.userId }, data: { email, emailVerified: true } });
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw badInput("This address has been taken by another account meanwhile", { field: "token" });
      throw error;
    }
    return true;
  }

  /** Signed in: another link for the account's current address, while it is unverified. */
  async resendVerification(userId: number): Promise<boolean> {
    const user = await this.deps.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    if (user.emailVerified) throw badInput("This address is verified already", { field: "email" });
    await this.deps.throttle.assertMayEmail(`user:${user.id}`);
    await this.deps.prisma.$transaction((tx) => this.queueVerification(tx, user.id, user.email));
    this.deps.relay.wake();
    return true;
  }

  /**
   * Signed in, with the password: a verification link goes to the new address and a notice to the current
   * one; the account keeps its address until the link is opened. A new address that has an account of its
   * own gets a notice instead, and the answer is the same.
   */
  async requestChange(userId: number, newEmail: string, password: string, clientAddress: string | undefined): Promise<boolean> {
    const { newEmail: email } = parseInput(NewEmail, { newEmail });
    const user = await accountWithPassword(this.deps, { userId, password, field: "password", clientAddress });
    if (email === user.email) throw badInput("This is already the account's address", { field: "newEmail" });
    await this.deps.throttle.assertMayEmail(`user:${user.id}`);
    const taken = await this.deps.prisma.user.findUnique({ where: { email }, select: { id: true } });
    await this.deps.prisma.$transaction(async (tx) => {
      if (taken) await enqueueMail(tx, email, templates.addressInUse());
      else await this.queueVerification(tx, user.id, email);
      await enqueueMail(tx, user.email, templates.emailChangeRequested(email));
    });
    this.deps.relay.wake();
    return true;
  }

  private async queueVerification(tx: UsersWriter, userId: number, email: string): Promise<void> {
    const ttlSeconds = this.deps.mail.emailVerificationTtlSeconds;
    const token = await issueAccountToken(tx, { userId, purpose: "verify_email", email, ttlSeconds, now: this.deps.now() });
    await enqueueMail(tx, email, templates.verifyEmail(this.deps.mail.publicUrl, token, ttlSeconds));
  }
}
