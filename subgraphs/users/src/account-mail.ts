import type { User } from "../../../prisma/users/generated/client/client";
import type { MailSettings } from "../../../lib/config";
import { badInput } from "../../../lib/errors";
import type { Logger } from "../../../lib/logger";
import type { AccountEmailThrottle } from "./account-email-throttle";
import type { UsersPrisma } from "./database";
import type { LoginThrottle } from "./login-throttle";
import type { MailRelay } from "./mail/relay";
import type { Passwords } from "./passwords";
import type { RefreshTokens } from "./refresh-tokens";

/** What the password and email flows (password-reset.ts, email-verification.ts) share; lives as long as the subgraph. */
export interface AccountMailDeps {
  prisma: UsersPrisma;
  passwords: Passwords;
  /** Wrong current passwords count as failed logins of the account. */
  loginThrottle: LoginThrottle;
  throttle: AccountEmailThrottle;
  refreshTokens: RefreshTokens;
  relay: Pick<MailRelay, "wake">;
  mail: MailSettings;
  logger: Logger;
  /** The clock tokens are issued and checked on; tests pass one they move. */
  now(): Date;
}

/**
 * The signed-in account, once its password is proved (changePassword, requestEmailChange). A stolen access
 * token must not let anyone guess the password: wrong ones count as failed logins of the account
 * (login-throttle.ts), and past the limit even the right one is refused for the window.
 */
export async function accountWithPassword(
  deps: AccountMailDeps,
  request: { userId: number; password: string; field: string; clientAddress: string | undefined },
): Promise<User> {
  const user = await deps.prisma.user.findUnique({ where: { id: request.userId } });
  if (!user) throw badInput("No such account");
  await deps.loginThrottle.assertAllowed(user.email, request.clientAddress);
  if (!(await deps.passwords.verify(request.password, user.passwordHash))) {
    await deps.loginThrottle.recordFailure(user.email, request.clientAddress);
    throw badInput(`The ${request.field === "password" ? "password" : "current password"} is not right`, {
      field: request.field,
    });
  }
  return user;
}
