import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { connectRedis } from "../../../lib/rate-limit";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import { openUsersDatabase, type UsersDatabase } from "./database";
import { LoginThrottle } from "./login-throttle";
import { Passwords } from "./passwords";
import { RefreshTokens } from "./refresh-tokens";
import { resolvers } from "./resolvers";
import { UserService } from "./user.service";
import { AccountService } from "./account.service";
import { AccountChangeThrottle } from "./account-throttle";
import type { UsersContext } from "./context";

export const usersTypeDefs = gql(fs.readFileSync(schemaFileOf("users"), "utf8"));

export interface UsersSubgraph extends RunningServer {
  database: UsersDatabase;
  passwords: Passwords;
}

export async function startUsersSubgraph(settings: SubgraphSettings): Promise<UsersSubgraph> {
  const { security } = settings;
  const metrics = new ServiceMetrics("users-subgraph", settings.metrics);
  const database = await openUsersDatabase(settings.database, settings.logger, metrics);
  const passwords = Passwords.start({ cost: security.bcryptCost, ...security.hashing }, metrics);
  const throttleStore = security.redisUrl ? connectRedis(security.redisUrl, settings.logger) : undefined;
  const deps = {
    prisma: database.prisma,
    passwords,
    throttle: new LoginThrottle(security.loginThrottle, throttleStore, `${security.redisKeyPrefix}:login-failures`),
    refreshTokens: new RefreshTokens(database.prisma, security.refreshTokenTtlSeconds),
    jwtSecret: settings.secrets.jwtSecret,
    accessTokenTtlSeconds: security.accessTokenTtlSeconds,
    loginsFailed: metrics.counter("shop_logins_failed_total", "Logins refused for a wrong email or password"),
  };
  const accounts = new AccountService({
    prisma: database.prisma,
    passwords,
    throttle: new AccountChangeThrottle(
      security.accountChangesPerHour,
      throttleStore,
      `${security.redisKeyPrefix}:account-changes`,
    ),
  });
  const server = await startSubgraph<UsersContext>({
    name: "users",
    typeDefs: usersTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({ ...identity, users: new UserService(deps), accounts }),
    isHealthy: database.isHealthy,
    onStop: async () => {
      throttleStore?.disconnect();
      await passwords.close();
      await database.close();
    },
  });
  return { ...server, database, passwords };
}
