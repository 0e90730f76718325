import type { ApolloServerPlugin } from "@apollo/server";
import { Kind, valueFromASTUntyped, type FieldNode } from "graphql";
import type { CachedAccountLookup } from "./account-cache";
import type { GatewayContext } from "./context";

/**
 * The users subgraph's mutations that change what the gateway's account cache
 * holds (an account's role, or whether it is active), and whose account each
 * changes: its `id` argument, or the caller for `closeMyAccount`.
 */
const ACCOUNT_CHANGING_FIELDS: Record<string, "id" | "caller"> = {
  closeMyAccount: "caller",
  closeAccount: "id",
  setRole: "id",
  disableAccount: "id",
  enableAccount: "id",
};

/**
 * After a mutation above succeeds through this gateway, its account is
 * forgotten by this gateway's cache (account-cache.ts), so a closed or
 * disabled account's tokens, or a demoted admin's role, stop working here at
 * once rather than after ACCOUNT_CACHE_TTL_SECONDS. Other replicas of the
 * gateway see it within that TTL (docs/security.md).
 */
export function forgetChangedAccounts(accounts: CachedAccountLookup): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, request, contextValue }) {
          if (operation?.operation !== "mutation") return;
          // Root fields as written (aliases allowed); a mutation's root fields inside fragments are not looked into.
          for (const selection of operation.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD || !(selection.name.value in ACCOUNT_CHANGING_FIELDS)) continue;
            // Forgotten even when the field failed: a change that may have happened is asked about again.
            const userId = changedAccountOf(selection, request.variables ?? {}, contextValue);
            if (userId !== undefined) accounts.forget(userId);
          }
        },
      };
    },
  };
}

function changedAccountOf(field: FieldNode, variables: Record<string, unknown>, context: GatewayContext): string | undefined {
  if (ACCOUNT_CHANGING_FIELDS[field.name.value] === "caller") {
    return context.principal.kind === "user" ? String(context.principal.userId) : undefined;
  }
  const argument = field.arguments?.find((arg) => arg.name.value === "id");
  const id: unknown = argument ? valueFromASTUntyped(argument.value, variables) : undefined;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
