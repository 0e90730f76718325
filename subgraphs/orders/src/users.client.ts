import { graphql } from "../../../lib/__generated__/users-subgraph";
import type { ServiceClient } from "../../shared/service-client";

/** What orders asks of the users subgraph. */
const USER_EXISTS = graphql(`
  query UserExists($id: ID!) {
    user(id: $id) {
      id
    }
  }
`);

export class UsersClient {
  constructor(private readonly service: ServiceClient) {}

  async userExists(id: number): Promise<boolean> {
    const result = await this.service.request(USER_EXISTS, { id: String(id) });
    return result.user !== null;
  }
}
