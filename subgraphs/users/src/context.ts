import type { RequestIdentity } from "../../../lib/request-identity";
import type { UserService } from "./user.service";

export interface UsersContext extends RequestIdentity {
  users: UserService;
}
