import type { MailSettings } from "../../../lib/config";
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
