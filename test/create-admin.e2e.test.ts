import { spawnSync } from "node:child_process";
import path from "node:path";
import { BACKENDS, createTestDatabases, type TestDatabases } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { signIn } from "./support/accounts";
import { LOGIN_TOKENS, REGISTER, SEARCH_USERS } from "./support/operations";
import { startTestPlatform } from "./support/platform";

/** `npm run create-admin`, run as an operator would, on the users database of a platform that is then started. */
describe.each(BACKENDS)("npm run create-admin (%s)", (backend) => {
  let databases: TestDatabases;

  beforeAll(async () => {
    databases = await createTestDatabases(backend);
  });
  afterAll(async () => {
    await databases?.drop();
  });

  function createAdmin(...args: string[]) {
    const users = databases.configs.users;
    const where = users.kind === "postgres" ? { USERS_DATABASE_URL: users.url } : { DATA_DIR: path.dirname(users.dataDir!) };
    return spawnSync(process.execPath, ["--import", "tsx", "scripts/create-admin.ts", ...args], {
      cwd: path.resolve(__dirname, ".."),
      env: { PATH: process.env.PATH ?? "", BCRYPT_COST: "10", LOG_LEVEL: "silent", ...where },
      encoding: "utf8",
      timeout: 60_000,
    });
  }

  test("creates an admin, promotes an existing customer, and refuses what it cannot do", async () => {
    const created = createAdmin("--email", "Root@Example.com", "--username", "root", "--password", "a long passphrase");
    expect({ status: created.status, out: created.stdout }).toEqual({
      status: 0,
      out: expect.stringMatching(/^Created admin root@example.com/),
    });
    const taken = createAdmin("--email", "other@example.com", "--username", "root", "--password", "a long passphrase");
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/The username root belongs to another account/);
    const weak = createAdmin("--email", "weak@example.com", "--username", "weak", "--password", "short");
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/password: must be at least 8 bytes/);
    expect(createAdmin("--email", "x@example.com").status).toBe(2);

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

    const promoted = createAdmin("--email", "carol@example.com", "--username", "ignored", "--password", "ignored-too");
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
});
