import { scalarResolvers } from "../../shared/scalars";
import { toIntId, toIntIdOrNull } from "../../shared/ids-and-text";
import { unauthenticated } from "../../../lib/errors";
import type { Resolvers } from "./__generated__/resolvers-types";

/** Thin: read arguments, check who asks, hand over to UserService. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    user: (_root, { id }, { users }) => users.findById(toIntId(id)),
    me: async (_root, _args, { viewer, users }) => {
      const id = viewer ? toIntIdOrNull(viewer.userId) : null;
      const user = id === null ? null : await users.findById(id);
      if (!user) throw unauthenticated();
      return user;
    },
    searchUsers: (_root, { query, limit }, { users }) => users.search(query, limit ?? 50),
  },
  Mutation: {
    register: (_root, { input }, { users }) => users.register(input),
    login: (_root, { email, password }, { users }) => users.login(email, password),
  },
  User: {
    __resolveReference: (reference, { users }) => {
      const id = toIntIdOrNull(reference.id);
      return id === null ? null : users.findById(id);
    },
  },
};
