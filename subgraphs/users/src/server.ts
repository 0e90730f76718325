import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import { openUsersDatabase, type UsersDatabase } from "./database";
import { resolvers } from "./resolvers";
import { UserService } from "./user.service";
import type { UsersContext } from "./context";

export const usersTypeDefs = gql(fs.readFileSync(schemaFileOf("users"), "utf8"));

export interface UsersSubgraph extends RunningServer {
  database: UsersDatabase;
}

export async function startUsersSubgraph(settings: SubgraphSettings): Promise<UsersSubgraph> {
  const database = await openUsersDatabase(settings.database, settings.logger);
  const server = await startSubgraph<UsersContext>({
    name: "users",
    typeDefs: usersTypeDefs,
    resolvers,
    ...settings,
    createContext: (identity) => ({ ...identity, users: new UserService(database.prisma, settings.secrets.jwtSecret) }),
    isHealthy: database.isHealthy,
    onStop: database.close,
  });
  return { ...server, database };
}
