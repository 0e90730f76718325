import { toIntId } from "../../shared/ids";
import type { MutationResolvers, QueryResolvers, Resolvers } from "./__generated__/resolvers-types";
import { ACCOUNT_STATUS_VALUES } from "./account-status-values";
import { accountPolicy } from "./account.policy";

/** Account management's resolvers (merged into resolvers.ts): thin, the policy first, then AccountService. */
export const accountQueries: Pick<QueryResolvers, "accountExport"> = {
  accountExport: (_root, { id }, context) => {
    const { caller, userId } = accountPolicy.targetOf(context, id == null ? null : toIntId(id));
    return context.accounts.export(caller.userId, userId);
  },
};

export const accountMutations: Pick<
  MutationResolvers,
  "updateProfile" | "closeMyAccount" | "closeAccount" | "setRole" | "disableAccount" | "enableAccount"
> = {
  updateProfile: (_root, { id, input }, context) => {
    const { caller, userId } = accountPolicy.targetOf(context, id == null ? null : toIntId(id));
    return context.accounts.updateProfile(caller.userId, userId, input);
  },
  closeMyAccount: (_root, { password }, context) => context.accounts.closeOwn(accountPolicy.owner(context).userId, password),
  closeAccount: (_root, { id }, context) => context.accounts.close(accountPolicy.admin(context).userId, toIntId(id)),
  setRole: (_root, { id, role }, context) => context.accounts.setRole(accountPolicy.admin(context).userId, toIntId(id), role),
  disableAccount: (_root, { id }, context) => context.accounts.disable(accountPolicy.admin(context).userId, toIntId(id)),
  enableAccount: (_root, { id }, context) => context.accounts.enable(accountPolicy.admin(context).userId, toIntId(id)),
};

export const accountTypes: Pick<Resolvers, "AccountStatus"> = { AccountStatus: ACCOUNT_STATUS_VALUES };
