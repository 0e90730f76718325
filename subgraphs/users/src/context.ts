import type { RequestIdentity } from "../../shared/request-identity";
import type { UserService } from "./user.service";
import type { AccountService } from "./account.service";

export interface UsersContext extends RequestIdentity {
  users: UserService;
  accounts: AccountService;
}
