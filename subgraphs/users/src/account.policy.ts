import { forbidden } from "../../../lib/errors";
import { requireUser, type AuthorizationContext, type SignedInUser } from "../../shared/authorization";

/**
 * Who may manage accounts (account.service.ts). These operations are not part
 * of the legacy anonymous API, so their rules hold in both AUTH_MODEs: someone
 * must be signed in, and only an admin acts on another's account. Nobody can
 * make themself an admin over the network: `setRole` needs an admin already.
 */
export const accountPolicy = {
  /** The account an owner-or-admin operation acts on: the caller's own (no id, or theirs), or anyone's for an admin. */
  targetOf(context: AuthorizationContext, id: number | null): { caller: SignedInUser; userId: number } {
    const caller = requireUser(context);
    if (id === null || id === caller.userId) return { caller, userId: caller.userId };
    // Refused before any look-up, so the answer says nothing about whether the id exists.
    if (caller.role !== "admin") throw forbidden("Only the account's owner or an admin may do this");
    return { caller, userId: id };
  },
  /** `closeMyAccount`: the signed-in account itself. */
  owner: (context: AuthorizationContext): SignedInUser => requireUser(context),
  /** setRole, disableAccount, enableAccount, closeAccount: admins only; customers get FORBIDDEN. */
  admin(context: AuthorizationContext): SignedInUser {
    const caller = requireUser(context);
    if (caller.role !== "admin") throw forbidden("Only an admin may do this");
    return caller;
  },
};
