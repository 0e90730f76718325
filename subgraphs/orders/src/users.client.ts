import { graphql } from "../../../lib/__generated__/users-subgraph";
import type { BuyerQuery } from "../../../lib/__generated__/users-subgraph/graphql";
import { LRUCache } from "lru-cache";
import type { ServiceClient } from "../../../lib/service-client";

/** What orders asks of the users subgraph: whether the buyer's account exists and may order. */
const BUYER = graphql(`
  query Buyer($id: ID!) {
    user(id: $id) {
      status
      emailVerified
    }
  }
`);

/** The buyer as the Buyer query answers it (its type generated from the users schema). */
export type Buyer = NonNullable<BuyerQuery["user"]>;

/** Buyers remembered at once; an entry is two fields, so this is a few MB at most. */
const MAX_BUYERS = 100_000;

export class UsersClient {
  /**
   * Buyers an order was let through for, kept `keepSeconds` (ACCOUNT_CACHE_TTL_SECONDS,
   * the bound the gateway keeps a signed-in account's status for): a shop's
   * steady buyer costs users no look-up per order, and a disabled or closed
   * account stops being ordered for within it. A refusal is never kept: the
   * account may be enabled, or its email verified, a moment later.
   */
  private readonly mayOrder: LRUCache<number, Buyer> | null;

  constructor(
    private readonly service: ServiceClient,
    keepSeconds: number,
  ) {
    this.mayOrder = keepSeconds > 0 ? new LRUCache({ max: MAX_BUYERS, ttl: keepSeconds * 1000 }) : null;
  }

  /** The buyer's account, or null for no such user; `fresh` asks users even when it was kept. */
  async buyer(id: number, { fresh }: { fresh: boolean }): Promise<Buyer | null> {
    const kept = fresh ? undefined : this.mayOrder?.get(id);
    return kept ?? (await this.service.request(BUYER, { id: String(id) })).user;
  }

  /** The policy let an order through for this buyer (order.policy.ts): kept for the next. */
  keepMayOrder(id: number, buyer: Buyer): void {
    this.mayOrder?.set(id, buyer);
  }
}
