import { requireAdmin, requireService, type AuthorizationContext } from "../../shared/authorization";

/**
 * Who may do what with the catalogue (AUTH_MODE=enforced; open mode lets
 * anyone, see subgraphs/shared/authorization.ts). Reading is public; every
 * write to the catalogue or the stock is for admins; stock reservations are
 * for the orders service alone, in either mode.
 */
export const productPolicy = {
  assertMayEditCatalogue: (context: AuthorizationContext): void => requireAdmin(context),
  assertMayAdjustStock: (context: AuthorizationContext): void => requireAdmin(context),
  assertMayReserveStock: (context: AuthorizationContext): void => requireService(context),
};
