import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { ServiceMetrics } from "../../../lib/observability/metrics";
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
  const metrics = new ServiceMetrics("users-subgraph");
  const database = await openUsersDatabase(settings.database, settings.logger, metrics);
  const loginsFailed = metrics.counter("shop_logins_failed_total", "Logins refused for a wrong email or password");
  const server = await startSubgraph<UsersContext>({
    name: "users",
    typeDefs: usersTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({
      ...identity,
      users: new UserService(database.prisma, settings.secrets.jwtSecret, loginsFailed),
    }),
    isHealthy: database.isHealthy,
    onStop: database.close,
  });
  return { ...server, database };
}
