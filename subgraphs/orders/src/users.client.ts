import { graphql } from "../../../lib/__generated__/users-subgraph";
import { LRUCache } from "lru-cache";
import type { ServiceClient } from "../../../lib/service-client";

/** What orders asks of the users subgraph. */
const USER_EXISTS = graphql(`
  query UserExists($id: ID!) {
    user(id: $id) {
      id
    }
  }
`);

const EMAIL_VERIFIED = graphql(`
  query UserEmailVerified($id: ID!) {
    user(id: $id) {
      emailVerified
    }
  }
`);

export class UsersClient {
  /**
   * Users seen to exist. Users are never deleted, so a yes stays true and a
   * buyer's next order skips the call; a no is never kept (the user may
   * register a moment later).
   */
  private readonly known = new LRUCache<number, true>({ max: 100_000 });
  /** Users seen with a verified email: once verified, an account's address stays verified (a change needs the new one verified). */
  private readonly verified = new LRUCache<number, true>({ max: 100_000 });

  constructor(private readonly service: ServiceClient) {}

  async userExists(id: number): Promise<boolean> {
    if (this.known.has(id)) return true;
    const result = await this.service.request(USER_EXISTS, { id: String(id) });
    if (result.user !== null) this.known.set(id, true);
    return result.user !== null;
  }

  /** Whether the user has verified their email address (ORDERS_REQUIRE_VERIFIED_EMAIL); false for no such user. */
  async emailVerified(id: number): Promise<boolean> {
    if (this.verified.has(id)) return true;
    const result = await this.service.request(EMAIL_VERIFIED, { id: String(id) });
    if (result.user?.emailVerified) this.verified.set(id, true);
    return result.user?.emailVerified === true;
  }
}
