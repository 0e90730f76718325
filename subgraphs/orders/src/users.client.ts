import type { ServiceClient } from "../../shared/service-client";

/** What orders asks of the users subgraph. */
const USER_EXISTS = /* GraphQL */ `
  query UserExists($id: ID!) {
    user(id: $id) {
      id
    }
  }
`;

export class UsersClient {
  constructor(private readonly service: ServiceClient) {}

  async userExists(id: number): Promise<boolean> {
    const result = await this.service.request<{ user: { id: string } | null }>(USER_EXISTS, { id: String(id) });
    return result.user !== null;
  }
}
