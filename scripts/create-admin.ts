// `npm run create-admin -- --email E --username U`: makes an admin
// account, or promotes the account that has this email (its password stays).
// It writes to the users database directly, through the users subgraph's own
// database module, so it runs where that database is reachable: there is no API
// for making admins. The password comes from ADMIN_PASSWORD, or is asked without
// echo (`--password P` works too, for scripts, but stays in the shell's history).
// With embedded PGlite, stop the platform first: one process at a time may open
// an embedded database, and this refuses one that a running platform holds.
import { parseArgs } from "node:util";
import { databaseConfigFor, readEnv, securitySettingsOf } from "../lib/config";
import { DomainError } from "../lib/errors";
import { createLogger } from "../lib/logger";
import { createOrPromoteAdmin } from "../subgraphs/users/src/admin-accounts";
import { openUsersDatabase, type UsersDatabase } from "../subgraphs/users/src/database";
import { ServiceMetrics } from "../lib/observability/metrics";
import { Passwords } from "../subgraphs/users/src/passwords";
import { DatabaseHeldError } from "../subgraphs/shared/database";
import { passwordOf } from "./support/password";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: "string" }, username: { type: "string" }, password: { type: "string" } },
    strict: true,
  });
  const { email, username } = values;
  const env = readEnv();
  const password = email && username ? await passwordOf(values.password, env.ADMIN_PASSWORD, "Password: ") : undefined;
  if (!email || !username || !password) {
    process.stderr.write(
      "usage: npm run create-admin -- --email E --username U   (the password from ADMIN_PASSWORD, or asked; --password P also works)\n",
    );
    return 2;
  }
  const logger = createLogger("create-admin", env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL);
  let database: UsersDatabase;
  try {
    database = await openUsersDatabase(databaseConfigFor("users", env), logger, new ServiceMetrics("create-admin"));
  } catch (error) {
    if (!(error instanceof DatabaseHeldError)) throw error;
    process.stderr.write(`No admin created. ${error.message}\n`);
    return 1;
  }
  const { bcryptCost, hashing } = securitySettingsOf(env);
  const passwords = Passwords.start({ cost: bcryptCost, ...hashing });
  try {
    const { user, created } = await createOrPromoteAdmin(database.prisma, passwords, { email, username, password });
    process.stdout.write(
      created
        ? `Created admin ${user.email} (id ${user.id}).\n`
        : `Promoted ${user.email} (id ${user.id}) to admin; the password is unchanged.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await passwords.close();
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`create-admin failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
