import { scalarResolvers } from "../../../lib/scalars";
import { toIntId, toIntIdOrNull } from "../../shared/ids";
import { unauthenticated } from "../../../lib/errors";
import type { Resolvers } from "./__generated__/resolvers-types";
import { ROLE_VALUES } from "./role-values";
import { userPolicy } from "./user.policy";
import { accountMutations, accountQueries, accountTypes } from "./account-resolvers";

/** Thin: read arguments, ask user.policy.ts who may, hand over to UserService. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Role: ROLE_VALUES,
  ...accountTypes,
  Query: {
    user: (_root, { id }, context) => {
      userPolicy.assertMayLookUp(context);
      const userId = toIntId(id);
      return userPolicy.mayRead(context, userId) ? context.users.findById(userId) : null;
    },
    me: async (_root, _args, context) => {
      const user = await context.users.findById(userPolicy.signedInUserId(context));
      if (!user) throw unauthenticated();
      return user;
    },
    searchUsers: (_root, { query, limit }, context) => {
      userPolicy.assertMaySearch(context);
      return context.users.search(query, limit ?? 50);
    },
    ...accountQueries,
  },
  Mutation: {
    register: (_root, { input }, { users }) => users.register(input),
    login: (_root, { email, password }, { users, clientAddress }) => users.login(email, password, clientAddress),
    refreshToken: (_root, { refreshToken }, { users }) => users.refresh(refreshToken),
    logout: (_root, { refreshToken }, { users }) => users.logout(refreshToken),
    ...accountMutations,
    // Account emails (password-reset.ts, email-verification.ts).
    signUp: (_root, { input }, { emails, clientAddress }) => emails.signUp(input, clientAddress),
    changePassword: async (_root, { currentPassword, newPassword }, context) => {
      const userId = userPolicy.signedInUserId(context);
      const user = await context.passwords.change(userId, currentPassword, newPassword, context.clientAddress);
      context.signedOutAccounts.add(user.id);
      return context.users.startSession(user);
    },
    requestPasswordReset: (_root, { email }, { passwords, clientAddress }) => passwords.request(email, clientAddress),
    resetPassword: async (_root, { token, newPassword }, context) => {
      const user = await context.passwords.reset(token, newPassword, context.clientAddress);
      context.signedOutAccounts.add(user.id);
      return true;
    },
    verifyEmail: (_root, { token }, { emails, clientAddress }) => emails.verify(token, clientAddress),
    resendVerificationEmail: (_root, _args, context) => context.emails.resendVerification(userPolicy.signedInUserId(context)),
    requestEmailChange: (_root, { newEmail, password }, context) =>
      context.emails.requestChange(userPolicy.signedInUserId(context), newEmail, password, context.clientAddress),
  },
  User: {
    // Another subgraph's reference (an order's user) shows no more than `user(id)` would.
    __resolveReference: (reference, context) => {
      const id = toIntIdOrNull(reference.id);
      return id === null || !userPolicy.mayRead(context, id) ? null : context.users.findById(id);
    },
  },
};
