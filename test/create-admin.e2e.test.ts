import { spawn } from "node:child_process";
import path from "node:path";
import { BACKENDS, createTestDatabases, type TestDatabases } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { signIn } from "./support/accounts";
import { LOGIN_TOKENS, REGISTER, SEARCH_USERS } from "./support/operations";
import { BUSY_MACHINE_WAITS, startTestPlatform } from "./support/platform";
import { freePort } from "./support/platform-process";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/** `npm run create-admin`, run as an operator would, on the users database of a platform that is then started. */
describe.each(BACKENDS)("npm run create-admin (%s)", (backend) => {
  let databases: TestDatabases;

  beforeAll(async () => {
    // The users database as an operator's first run finds it, empty; the others as any platform's.
    databases = await createTestDatabases(backend, { migrated: ["products", "orders"] });
  });
  afterAll(async () => {
    await databases?.drop();
  });

  function createAdmin(...args: string[]) {
    return createAdminWith({}, ...args);
  }
  function createAdminWith(env: Record<string, string>, ...args: string[]) {
    const users = databases.configs.users;
    const where: Record<string, string> =
      users.kind === "postgres" ? { USERS_DATABASE_URL: users.url! } : { DATA_DIR: path.dirname(users.dataDir!) };
    // The least cost BCRYPT_COST accepts, and, as on the test platforms, a hash waits for its (niced) thread as long
    // as a loaded machine makes it, rather than being refused after production's 3 s.
    return runScript("scripts/create-admin.ts", args, { BCRYPT_COST: "10", ...BUSY_MACHINE_WAITS, ...where, ...env });
  }

  test("creates an admin, promotes an existing customer, and refuses what it cannot do", async () => {
    const created = await createAdmin("--email", "Root@Example.com", "--username", "root", "--password", "a long passphrase");
    expect({ status: created.status, out: created.stdout }).toEqual({
      status: 0,
      out: expect.stringMatching(/^Created admin root@example.com/),
    });
    const taken = await createAdmin("--email", "other@example.com", "--username", "root", "--password", "a long passphrase");
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/The username root belongs to another account/);
    const weak = await createAdmin("--email", "weak@example.com", "--username", "weak", "--password", "short");
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/password: must be at least 8 bytes/);
    expect((await createAdmin("--email", "x@example.com")).status).toBe(2);

    let platform = await startTestPlatform(databases.configs, { authMode: "enforced" });
    try {
      const root = await signIn(platform, "root@example.com", "a long passphrase");
      expect((await platform.client(root.token).request(SEARCH_USERS, { query: "root" })).searchUsers).toHaveLength(1);
      await platform
        .client()
        .request(REGISTER, { input: { email: "carol@example.com", username: "carol", password: "carols password" } });
      const carol = await signIn(platform, "carol@example.com", "carols password");
      expect(await graphqlError(platform.client(carol.token).request(SEARCH_USERS, { query: "root" }))).toMatchObject({
        code: "FORBIDDEN",
      });
    } finally {
      await platform.stop();
    }

    const promoted = await createAdmin("--email", "carol@example.com", "--username", "ignored", "--password", "ignored-too");
    expect(promoted.stdout).toMatch(/^Promoted carol@example.com .* to admin; the password is unchanged/);

    platform = await startTestPlatform(databases.configs, { authMode: "enforced" });
    try {
      const { login } = await platform
        .client()
        .request(LOGIN_TOKENS, { email: "carol@example.com", password: "carols password" });
      expect(login.user.role).toBe("ADMIN");
      expect((await platform.client(login.token).request(SEARCH_USERS, { query: "carol" })).searchUsers).toHaveLength(1);
    } finally {
      await platform.stop();
    }
  }, 300_000);

  test("refuses an embedded database a running platform holds; `npm run seed` says what it needs and where it calls", async () => {
    const platform = await startTestPlatform(databases.configs, { authMode: "enforced" });
    try {
      // The password from ADMIN_PASSWORD, not the command line.
      const late = await createAdminWith(
        { ADMIN_PASSWORD: "a long passphrase" },
        "--email",
        "late@example.com",
        "--username",
        "late",
      );
      if (backend === "pglite") {
        expect({ status: late.status, out: late.stdout }).toEqual({ status: 1, out: "" });
        expect(late.stderr).toMatch(/^No admin created\. The embedded database in .*users is open in process \d+/);
      } else {
        expect(late.stdout).toMatch(/^Created admin late@example.com/);
      }

      // Enforced, without an admin: it names the flag, not a JSON blob.
      const anonymous = await runScript("scripts/seed-sample-catalogue.ts", [], { GATEWAY_URL: platform.gatewayUrl });
      expect(anonymous.status).toBe(1);
      expect(anonymous.stderr).toMatch(/Only an admin may add products .*AUTH_MODE=enforced/);
      expect(anonymous.stderr).toMatch(/npm run seed -- --admin-email E/);
      expect(anonymous.stderr).not.toMatch(/Is the platform running|\{"/);
      const seeded = await runScript("scripts/seed-sample-catalogue.ts", ["--admin-email", "root@example.com"], {
        GATEWAY_URL: platform.gatewayUrl,
        ADMIN_PASSWORD: "a long passphrase",
      });
      expect(seeded).toMatchObject({ status: 0, stdout: expect.stringMatching(/created product \d+: Laptop Pro 15/) });
    } finally {
      await platform.stop();
    }

    // Nothing answers there: the message names the variable to set.
    const nowhere = `http://127.0.0.1:${await freePort()}/graphql`;
    const unreachable = await runScript("scripts/seed-sample-catalogue.ts", [], { GATEWAY_URL: nowhere });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`No gateway answered at GATEWAY_URL=${nowhere}`);
  }, 300_000);
});

const ROOT = path.resolve(__dirname, "..");

/**
 * A script run as an operator would, without blocking this process: the platform runs in it, and a script that waits
 * for the platform's database sessions must not wait for a process it has frozen.
 */
function runScript(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
}
