import type { RequestIdentity } from "../../../lib/request-identity";
import type { EmailFlows } from "./email-verification";
import type { PasswordFlows } from "./password-reset";
import type { UserService } from "./user.service";
import type { AccountService } from "./account.service";

export interface UsersContext extends RequestIdentity {
  users: UserService;
  accounts: AccountService;
  passwords: PasswordFlows;
  emails: EmailFlows;
  /** Accounts whose sessions this request ended: named in the answer's extensions for the gateway (server.ts). */
  signedOutAccounts: Set<number>;
}
