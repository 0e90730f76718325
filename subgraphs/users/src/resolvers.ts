import { scalarResolvers } from "../../../lib/scalars";
import { toIntId, toIntIdOrNull } from "../../shared/ids";
import { unauthenticated } from "../../../lib/errors";
import type { Resolvers } from "./__generated__/resolvers-types";
import { ROLE_VALUES } from "./role-values";
import { userPolicy } from "./user.policy";

/** Thin: read arguments, ask user.policy.ts who may, hand over to UserService. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Role: ROLE_VALUES,
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
  },
  Mutation: {
    register: (_root, { input }, { users }) => users.register(input),
    login: (_root, { email, password }, { users, clientAddress }) => users.login(email, password, clientAddress),
    refreshToken: (_root, { refreshToken }, { users }) => users.refresh(refreshToken),
    logout: (_root, { refreshToken }, { users }) => users.logout(refreshToken),
  },
  User: {
    // Another subgraph's reference (an order's user) shows no more than `user(id)` would.
    __resolveReference: (reference, context) => {
      const id = toIntIdOrNull(reference.id);
      return id === null || !userPolicy.mayRead(context, id) ? null : context.users.findById(id);
    },
  },
};
