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

export class UsersClient {
  /**
   * Users seen to exist. Users are never deleted, so a yes stays true and a
   * buyer's next order skips the call; a no is never kept (the user may
   * register a moment later).
   */
  private readonly known = new LRUCache<number, true>({ max: 100_000 });

  constructor(private readonly service: ServiceClient) {}

  async userExists(id: number): Promise<boolean> {
    if (this.known.has(id)) return true;
    const result = await this.service.request(USER_EXISTS, { id: String(id) });
    if (result.user !== null) this.known.set(id, true);
    return result.user !== null;
  }
}
