import fs from "node:fs";
import { gql } from "graphql-tag";
import type { RunningServer } from "../../../lib/http-server";
import { connectRedis, RateLimiters } from "../../../lib/rate-limit";
import { ServiceMetrics } from "../../../lib/observability/metrics";
import { startSubgraph } from "../../shared/subgraph-server";
import { schemaFileOf, type SubgraphSettings } from "../../shared/settings";
import { SIGNED_OUT_ACCOUNTS_EXTENSION } from "../../../lib/request-identity";
import { AccountEmailThrottle } from "./account-email-throttle";
import type { AccountMailDeps } from "./account-mail";
import { EmailFlows } from "./email-verification";
import { MailRelay } from "./mail/relay";
import { PasswordFlows } from "./password-reset";
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
  mailRelay: MailRelay;
}

export interface UsersOptions {
  /** The clock emailed tokens are issued and checked on (tests move one); the system's by default. */
  now?: () => Date;
}

export async function startUsersSubgraph(settings: SubgraphSettings, options: UsersOptions = {}): Promise<UsersSubgraph> {
  const { security } = settings;
  const metrics = new ServiceMetrics("users-subgraph", settings.metrics);
  const database = await openUsersDatabase(settings.database, settings.logger, metrics);
  const passwords = Passwords.start({ cost: security.bcryptCost, ...security.hashing }, metrics);
  const throttleStore = security.redisUrl ? connectRedis(security.redisUrl, settings.logger) : undefined;
  const rateLimiters = new RateLimiters(throttleStore);
  const loginThrottle = new LoginThrottle(security.loginThrottle, rateLimiters, `${security.redisKeyPrefix}:login-failures`);
  const refreshTokens = new RefreshTokens(database.prisma, security.refreshTokenTtlSeconds);
  const mailRelay = new MailRelay(database.prisma, settings.mail, settings.logger, metrics);
  const accountMail: AccountMailDeps = {
    prisma: database.prisma,
    passwords,
    loginThrottle,
    throttle: new AccountEmailThrottle(settings.mail, rateLimiters, security.redisKeyPrefix),
    refreshTokens,
    relay: mailRelay,
    mail: settings.mail,
    logger: settings.logger,
    now: options.now ?? (() => new Date()),
  };
  const passwordFlows = new PasswordFlows(accountMail);
  const emailFlows = new EmailFlows(accountMail);
  const deps = {
    prisma: database.prisma,
    passwords,
    throttle: loginThrottle,
    refreshTokens,
    emails: emailFlows,
    jwtSecret: settings.secrets.jwtSecret,
    accessTokenTtlSeconds: security.accessTokenTtlSeconds,
    loginsFailed: metrics.counter("shop_logins_failed_total", "Logins refused for a wrong email or password"),
  };
  const accounts = new AccountService({
    prisma: database.prisma,
    passwords,
    throttle: new AccountChangeThrottle(
      security.accountChangesPerHour,
      rateLimiters,
      `${security.redisKeyPrefix}:account-changes`,
    ),
  });
  const server = await startSubgraph<UsersContext>({
    name: "users",
    typeDefs: usersTypeDefs,
    resolvers,
    ...settings,
    metrics,
    createContext: (identity) => ({
      ...identity,
      users: new UserService(deps),
      accounts,
      passwords: passwordFlows,
      emails: emailFlows,
      signedOutAccounts: new Set<number>(),
    }),
    plugins: [
      {
        // The gateway drops these accounts' cached entries, so their older access tokens are refused at once.
        requestDidStart: async () => ({
          async willSendResponse({ contextValue, response }) {
            if (contextValue.signedOutAccounts.size === 0 || response.body.kind !== "single") return;
            const { singleResult } = response.body;
            const signedOut = [...contextValue.signedOutAccounts];
            singleResult.extensions = { ...singleResult.extensions, [SIGNED_OUT_ACCOUNTS_EXTENSION]: signedOut };
          },
        }),
      },
    ],
    isHealthy: database.isHealthy,
    onStop: async () => {
      await mailRelay.stop();
      rateLimiters.close();
      throttleStore?.disconnect();
      await passwords.close();
      await database.close();
    },
  });
  mailRelay.start();
  return { ...server, database, passwords, mailRelay };
}
