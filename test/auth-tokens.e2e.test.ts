import { spawnSync } from "node:child_process";
import path from "node:path";
import jwt from "jsonwebtoken";
import { answerTimes, TIMING_TITLE } from "./support/answer-times";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { hostileTokens, signIn, signUpCustomer, type Account } from "./support/accounts";
import { LOGIN_TOKENS, LOGOUT, ME, REFRESH_TOKEN, REGISTER } from "./support/operations";
import { useRestPlatform } from "./support/use-platform";
import { TYPESCRIPT_ENTRY_ARGS } from "../lib/processes";

/** Access and refresh tokens, passwords and login answers, with AUTH_MODE=enforced. */
describe.each(BACKENDS)("tokens and logins (%s)", (backend) => {
  // Throttling has its own suite (login-throttle.e2e.test.ts); here it must not get in the way.
  const setup = useRestPlatform(
    backend,
    {},
    {
      authMode: "enforced",
      // Production's least cost: the same-work check below is about a hash of real weight done on both paths.
      env: { BCRYPT_COST: "10", LOGIN_FAILURES_PER_ACCOUNT: "1000", LOGIN_FAILURES_PER_ADDRESS: "1000" },
    },
  );
  let alice: Account;

  beforeAll(async () => {
    alice = await signUpCustomer(setup.platform, "alice");
  });

  const gql = (token?: string) => setup.platform.client(token);
  const restAs = (token: string) =>
    setup.rest("legacyGateway").call("GET", `/api/orders/user/${alice.id}`, { headers: { authorization: `Bearer ${token}` } });

  test("a real access token works through GraphQL and REST (the control for the refusals below)", async () => {
    expect((await gql(alice.token).request(ME)).me.id).toBe(alice.id);
    expect(await restAs(alice.token)).toMatchObject({ status: 200, body: [] });
  });

  test("every forged, mis-signed, mis-addressed or expired token is refused: UNAUTHENTICATED in GraphQL, 401 in REST", async () => {
    const tokens = { ...hostileTokens(setup.platform.secrets.jwtSecret, alice.id), "a refresh token": alice.refreshToken };
    for (const [kind, token] of Object.entries(tokens)) {
      const graphql = await graphqlError(gql(token).request(ME));
      expect({ kind, ...graphql }).toEqual({ kind, code: "UNAUTHENTICATED", status: 401, message: "Invalid or expired token" });
      const rest = await restAs(token);
      expect({ kind, status: rest.status, body: rest.body }).toEqual({
        kind,
        status: 401,
        body: { error: "Invalid or expired token" },
      });
    }
  });

  test("login answers the legacy token field (a short-lived HS256 access token) and a refresh token", async () => {
    const { login } = await gql().request(LOGIN_TOKENS, { email: alice.email, password: alice.password });
    expect(login.user).toEqual({ id: alice.id, role: "CUSTOMER" });
    const decoded = jwt.decode(login.token, { complete: true }) as jwt.Jwt & { payload: jwt.JwtPayload };
    expect(decoded.header.alg).toBe("HS256");
    expect(decoded.payload).toMatchObject({
      sub: alice.id,
      role: "customer",
      iss: "federated-shop/users",
      aud: "federated-shop/api",
    });
    expect(decoded.payload.exp! - decoded.payload.iat!).toBe(900);
    expect(login.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("an access token is not a refresh token either", async () => {
    expect(await graphqlError(gql().request(REFRESH_TOKEN, { refreshToken: alice.token }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  test("refresh rotates on every use; reusing a used refresh token revokes its whole family, and only that family", async () => {
    const first = await signIn(setup.platform, alice.email, alice.password);
    const otherLogin = await signIn(setup.platform, alice.email, alice.password);

    const { refreshToken: second } = await gql().request(REFRESH_TOKEN, { refreshToken: first.refreshToken });
    expect(second.user.id).toBe(alice.id);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await gql(second.token).request(ME)).me.id).toBe(alice.id);

    // The used one again: refused, and the family it started is revoked, the newest member included.
    const reuse = await graphqlError(gql().request(REFRESH_TOKEN, { refreshToken: first.refreshToken }));
    expect(reuse).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid or expired refresh token" });
    expect(await graphqlError(gql().request(REFRESH_TOKEN, { refreshToken: second.refreshToken }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });

    // Another login of the same user is another family, untouched.
    const { refreshToken: elsewhere } = await gql().request(REFRESH_TOKEN, { refreshToken: otherLogin.refreshToken });
    expect(elsewhere.user.id).toBe(alice.id);
  });

  test("logout revokes the refresh token's family", async () => {
    const session = await signIn(setup.platform, alice.email, alice.password);
    expect((await gql().request(LOGOUT, { refreshToken: session.refreshToken })).logout).toBe(true);
    expect(await graphqlError(gql().request(REFRESH_TOKEN, { refreshToken: session.refreshToken }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
    expect((await gql().request(LOGOUT, { refreshToken: session.refreshToken })).logout).toBe(false);
  });

  test("passwords are 8 to 72 bytes of UTF-8: longer is refused, never cut to what bcrypt reads", async () => {
    const register = (name: string, password: string) =>
      gql().request(REGISTER, { input: { email: `${name}@example.com`, username: name, password } });
    const seventyTwoBytes = "€".repeat(24); // 24 characters, 3 bytes each
    await register("bytes72", seventyTwoBytes);
    expect(await graphqlError(register("bytes75", "€".repeat(25)))).toMatchObject({
      code: "BAD_USER_INPUT",
      message: expect.stringMatching(/password: must be at most 72 bytes/),
    });
    expect(await graphqlError(register("bytes7", "1234567"))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await signIn(setup.platform, "bytes72@example.com", seventyTwoBytes)).token.split(".")).toHaveLength(3); // a JWT
    // bcrypt alone would accept this: it ignores everything past byte 72.
    const longer = await graphqlError(
      gql().request(LOGIN_TOKENS, { email: "bytes72@example.com", password: `${seventyTwoBytes}anything` }),
    );
    expect(longer).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid credentials" });
  });

  test(`an unknown email and a wrong password answer alike: same status, same body, and the same password-hashing work (${TIMING_TITLE})`, async () => {
    const users = setup.rest("users");
    const login = (email: string) => users.post("/login", { email, password: "not-the-password" });
    const wrongPassword = await login(alice.email);
    expect(wrongPassword.status).toBe(401);
    const alike = async (email: string) => {
      const answer = await login(email);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 401, body: wrongPassword.body });
    };
    // Skipping the bcrypt comparison for an unknown email would make that answer an order of magnitude faster.
    const calls = {
      "unknown email": (i: number) => alike(`nobody-${i}@example.com`),
      "wrong password": () => alike(alice.email),
    };
    expect(await answerTimes(calls)).toBe("the same");
  });
});

describe("production start-up", () => {
  const root = path.resolve(__dirname, "..");
  const start = (entry: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [...TYPESCRIPT_ENTRY_ARGS, entry], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        GATEWAY_PORT: "0",
        USERS_PORT: "0",
        ...env,
      },
      encoding: "utf8",
      timeout: 100_000,
    });

  test("without the secrets the gateway refuses to start, and says which and how long", () => {
    const result = start("gateway/src/main.ts", {});
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(
      /needs JWT_SECRET and SERVICE_TOKEN in the environment, each at least 32 bytes/,
    );
  }, 120_000);

  test("with a secret shorter than 32 bytes a subgraph refuses to start, and says so", () => {
    const result = start("subgraphs/users/src/main.ts", { JWT_SECRET: "too-short-a-secret", SERVICE_TOKEN: "s".repeat(40) });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/JWT_SECRET must be at least 32 bytes/);
  }, 120_000);
});
