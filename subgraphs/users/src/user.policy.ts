import { mayActFor, requireAdmin, requireSignedIn, requireUser, type AuthorizationContext } from "../../shared/authorization";

/**
 * Who may do what with accounts (AUTH_MODE=enforced; open mode lets anyone,
 * see subgraphs/shared/authorization.ts). A profile, email included, is for
 * its owner and admins: anyone else is answered as if it did not exist, so
 * there is no way to learn which ids or emails are taken.
 */
export const userPolicy = {
  /** `user(id)`: looking anyone up needs someone signed in. */
  assertMayLookUp: (context: AuthorizationContext): void => requireSignedIn(context),
  /** `user(id)` and User entity references: null unless this is true. */
  mayRead: (context: AuthorizationContext, userId: number): boolean => mayActFor(context, userId),
  /** `me`: who is signed in, in either mode. */
  signedInUserId: (context: AuthorizationContext): number => requireUser(context).userId,
  /** Searching accounts lists other people's emails: admins only. */
  assertMaySearch: (context: AuthorizationContext): void => requireAdmin(context),
};
