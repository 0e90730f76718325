import { GraphQLClient } from "graphql-request";
import {
  CHANGE_EMAIL,
  CHANGE_PASSWORD,
  LOGIN_SESSION as LOGIN,
  REQUEST_RESET,
  RESET,
  SIGN_UP,
  VERIFY,
} from "./support/account-email-operations";
import { answerTimes, TIMING_TITLE } from "./support/answer-times";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { startSmtpInbox, type SmtpInbox } from "./support/smtp-inbox";
import { usePlatform } from "./support/use-platform";

/**
 * What the account emails must not reveal (whether an address has an
 * account: not by the answer, not by its timing), and their throttles. The
 * gateway believes X-Forwarded-For from loopback here, so each test is its own
 * client address and the per-address counts of one do not reach another.
 */
describe.each(BACKENDS)("account emails: nothing revealed, everything throttled (%s)", (backend) => {
  const LIMIT = 3;
  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
  });
  const platform = usePlatform(backend, () => ({
    authMode: "enforced",
    gateway: { trustProxy: ["loopback"] },
    env: {
      // Production's least cost: the same-time checks are about a hash of real weight done on both paths.
      BCRYPT_COST: "10",
      SMTP_URL: inbox.url,
      MAIL_RELAY_POLL_SECONDS: "1",
      ACCOUNT_EMAILS_PER_WINDOW: String(LIMIT),
      LOGIN_FAILURES_PER_ACCOUNT: String(LIMIT),
    },
  }));
  // After the platform's own afterAll (hooks run in the order declared): its mail relay stops first.
  afterAll(async () => {
    await inbox?.close();
  });

  let clients = 0;
  /** A client of its own address (10.0.0.n), optionally signed in. */
  const newClient = () => {
    const address = `10.0.${Math.floor(++clients / 250)}.${clients % 250}`;
    return (token?: string) =>
      new GraphQLClient(platform.gatewayUrl, {
        headers: { "x-forwarded-for": address, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
  };
  let people = 0;
  async function newAccount(client = newClient()) {
    const name = `${backend}-p${++people}`;
    const email = `${name}@example.com`;
    const password = `password-of-${name}`;
    await client().request(SIGN_UP, { input: { email, username: name, password } });
    await inbox.next(email, /Confirm/);
    const { login } = await client().request<{ login: { token: string } }>(LOGIN, { email, password });
    return { name, email, password, token: login.token };
  }

  test(`signUp answers a taken email and a new one alike, in the same time (${TIMING_TITLE})`, async () => {
    const owner = await newAccount();
    // A fresh client address for every call: the per-address throttle is tested below.
    const known = (i: number) =>
      newClient()().request(SIGN_UP, {
        input: { email: owner.email, username: `${owner.name}-k${i}`, password: "some password" },
      });
    const unknown = (i: number) =>
      newClient()().request(SIGN_UP, {
        input: { email: `${owner.name}-u${i}@example.com`, username: `${owner.name}-u${i}`, password: "some password" },
      });
    expect(await known(100)).toEqual(await unknown(100));
    expect(await answerTimes({ known, unknown })).toBe("the same");
  });

  test(`requestPasswordReset answers a known and an unknown address alike, in the same time (${TIMING_TITLE})`, async () => {
    const owner = await newAccount();
    const known = () => newClient()().request(REQUEST_RESET, { email: owner.email });
    const unknown = (i: number) => newClient()().request(REQUEST_RESET, { email: `${owner.name}-nobody${i}@example.com` });
    expect(await known()).toEqual(await unknown(100));
    expect(await answerTimes({ known, unknown })).toBe("the same");
  });

  test("requestPasswordReset and signUp: past ACCOUNT_EMAILS_PER_WINDOW from one client address, TOO_MANY_REQUESTS", async () => {
    const client = newClient();
    for (let i = 0; i < LIMIT; i++) await client().request(REQUEST_RESET, { email: `someone${i}@example.com` });
    expect(await graphqlError(client().request(REQUEST_RESET, { email: "someone@example.com" }))).toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    const input = { email: "late@example.com", username: `${backend}-late`, password: "some password" };
    expect(await graphqlError(client().request(SIGN_UP, { input }))).toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });

  test("requestPasswordReset: past the limit for one address, nothing more is sent to it, and the answer stays true", async () => {
    const owner = await newAccount();
    // Each from another client address, so that only the count for the account's address applies.
    for (let i = 0; i < LIMIT + 2; i++) {
      expect(await newClient()().request(REQUEST_RESET, { email: owner.email })).toEqual({ requestPasswordReset: true });
    }
    for (let i = 0; i < LIMIT; i++) await inbox.next(owner.email, /Reset your password/);
    // A later email to the same address (its password-changed notice after a reset) comes after any reset email would have.
    const probe = await newAccount();
    await newClient()(probe.token).request(CHANGE_PASSWORD, { currentPassword: probe.password, newPassword: "a new password" });
    await inbox.next(probe.email, /Your password was changed/);
    expect(inbox.messages.filter((mail) => mail.to.includes(owner.email) && /Reset/.test(mail.subject))).toHaveLength(LIMIT);
  });

  test("resetPassword and verifyEmail: past ACCOUNT_EMAILS_PER_WINDOW bad tokens from one client address, TOO_MANY_REQUESTS", async () => {
    const client = newClient();
    for (let i = 0; i < LIMIT; i++) {
      expect(await graphqlError(client().request(RESET, { token: "a".repeat(43), newPassword: "some password" }))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
    }
    expect(await graphqlError(client().request(VERIFY, { token: "b".repeat(43) }))).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(await graphqlError(client().request(RESET, { token: "a".repeat(43), newPassword: "some password" }))).toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
  });

  test("changePassword: wrong current passwords count as failed logins; past LOGIN_FAILURES_PER_ACCOUNT, TOO_MANY_REQUESTS", async () => {
    const client = newClient();
    const person = await newAccount(client);
    for (let i = 0; i < LIMIT; i++) {
      const attempt = client(person.token).request(CHANGE_PASSWORD, {
        currentPassword: "wrong password",
        newPassword: "new password",
      });
      expect(await graphqlError(attempt)).toMatchObject({ code: "BAD_USER_INPUT" });
    }
    const right = client(person.token).request(CHANGE_PASSWORD, {
      currentPassword: person.password,
      newPassword: "new password",
    });
    expect(await graphqlError(right)).toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });

  test("requestEmailChange: past ACCOUNT_EMAILS_PER_WINDOW for the account, TOO_MANY_REQUESTS", async () => {
    const person = await newAccount();
    for (let i = 0; i < LIMIT; i++) {
      const change = newClient()(person.token).request(CHANGE_EMAIL, {
        newEmail: `${person.name}-${i}@example.com`,
        password: person.password,
      });
      expect(await change).toEqual({ requestEmailChange: true });
    }
    const late = newClient()(person.token).request(CHANGE_EMAIL, {
      newEmail: `${person.name}-late@example.com`,
      password: person.password,
    });
    expect(await graphqlError(late)).toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });
});
