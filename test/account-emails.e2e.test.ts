import {
  CHANGE_EMAIL,
  CHANGE_PASSWORD,
  LOGIN_SESSION as LOGIN,
  ME_EMAIL as ME,
  REFRESH,
  REQUEST_RESET,
  RESEND_VERIFICATION,
  RESET,
  SIGN_UP,
  VERIFY,
} from "./support/account-email-operations";
import { signUpAdmin } from "./support/accounts";
import { BACKENDS } from "./support/databases";
import { createProduct } from "./support/fixtures";
import { graphqlError } from "./support/graphql-errors";
import { CREATE_ORDER } from "./support/operations";
import { usePlatform } from "./support/use-platform";
import { startSmtpInbox, type SmtpInbox } from "./support/smtp-inbox";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy";
import { until } from "./support/until";

interface Session {
  token: string;
  refreshToken: string;
  user: { id: string };
}

/**
 * Account emails end to end (AUTH_MODE=enforced): the real gateway over the
 * real users subgraph, whose mail relay sends over SMTP to a real SMTP server
 * in this process (reached through a TCP proxy the outage test takes away).
 * The users subgraph's clock for emailed tokens is one this test moves.
 */
describe.each(BACKENDS)("account emails (%s)", (backend) => {
  let inbox: SmtpInbox;
  let smtp: TcpProxy;
  let clockOffsetMs = 0;
  const PASSWORD_RESET_TTL_SECONDS = 600;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    smtp = await startTcpProxy({ host: "127.0.0.1", port: inbox.port });
  });
  const platform = usePlatform(backend, () => ({
    authMode: "enforced",
    usersClock: () => new Date(Date.now() + clockOffsetMs),
    env: {
      SMTP_URL: `smtp://${smtp.address}`,
      MAIL_FROM: "Shop <shop@example.com>",
      PUBLIC_URL: "https://shop.example.com",
      MAIL_RELAY_POLL_SECONDS: "1",
      PASSWORD_RESET_TTL_SECONDS: String(PASSWORD_RESET_TTL_SECONDS),
      // Throttles have their own test below; here they must not get in the way.
      ACCOUNT_EMAILS_PER_WINDOW: "1000",
      LOGIN_FAILURES_PER_ACCOUNT: "1000",
      LOGIN_FAILURES_PER_ADDRESS: "1000",
      ORDERS_REQUIRE_VERIFIED_EMAIL: "true",
    },
  }));
  // Declared after the platform's, so run once it has stopped.
  afterAll(async () => {
    await smtp?.stop();
    await inbox?.close();
  });

  const gql = (token?: string) => platform.client(token);
  let counter = 0;
  /** A new account through signUp, verified or not, signed in. */
  async function newAccount(verified = false) {
    const name = `${backend}-person${++counter}`;
    const email = `${name}@example.com`;
    const password = `password-of-${name}`;
    expect(await gql().request(SIGN_UP, { input: { email, username: name, password } })).toEqual({ signUp: true });
    const mail = await inbox.next(email, /Confirm your email address/);
    if (verified) await gql().request(VERIFY, { token: mail.token });
    const { login } = await gql().request<{ login: Session }>(LOGIN, { email, password });
    return { name, email, password, ...login };
  }

  test("signUp sends a verification link from MAIL_FROM, built from PUBLIC_URL; opening it verifies the address, once", async () => {
    const person = await newAccount();
    expect((await gql(person.token).request(ME)).me).toEqual({ id: person.user.id, email: person.email, emailVerified: false });
    const mail = inbox.messages.find((m) => m.to.includes(person.email) && /Confirm/.test(m.subject))!;
    expect(mail.from).toBe("shop@example.com");
    const link = `https://shop.example.com/account/verify-email?token=${mail.token}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`<a href="${link}">`);

    expect(await gql().request(VERIFY, { token: mail.token })).toEqual({ verifyEmail: true });
    expect((await gql(person.token).request(ME)).me.emailVerified).toBe(true);
    expect(await graphqlError(gql().request(VERIFY, { token: mail.token }))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await graphqlError(gql().request(VERIFY, { token: "not-a-token" }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  test("resendVerificationEmail sends a new link that verifies; once verified it is refused, and anonymous callers are too", async () => {
    const person = await newAccount();
    expect(await gql(person.token).request(RESEND_VERIFICATION)).toEqual({ resendVerificationEmail: true });
    const again = await inbox.next(person.email, /Confirm your email address/);
    expect(await gql().request(VERIFY, { token: again.token })).toEqual({ verifyEmail: true });
    expect((await gql(person.token).request(ME)).me.emailVerified).toBe(true);
    expect(await graphqlError(gql(person.token).request(RESEND_VERIFICATION))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await graphqlError(gql().request(RESEND_VERIFICATION))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  test("signUp with a taken email answers as for a new one, creates nothing, and emails the owner; a taken username is ALREADY_EXISTS", async () => {
    const owner = await newAccount(true);
    const accountsBefore = await platform.subgraphs.users.database.prisma.user.count();
    const again = { email: owner.email.toUpperCase(), username: `${owner.name}-again`, password: "another password" };
    expect(await gql().request(SIGN_UP, { input: again })).toEqual({ signUp: true });
    const notice = await inbox.next(owner.email, /Someone tried to register/);
    expect(notice.token).toBeUndefined();
    expect(await platform.subgraphs.users.database.prisma.user.count()).toBe(accountsBefore);

    const takenUsername = { email: `${owner.name}-other@example.com`, username: owner.name, password: "another password" };
    expect(await graphqlError(gql().request(SIGN_UP, { input: takenUsername }))).toMatchObject({ code: "ALREADY_EXISTS" });
    // The owner can still sign in with their own password: nothing was changed.
    await gql().request(LOGIN, { email: owner.email, password: owner.password });
  });

  test("changePassword ends every session at once: old access and refresh tokens are refused, the new session works", async () => {
    const person = await newAccount(true);
    const otherSession = (await gql().request<{ login: Session }>(LOGIN, { email: person.email, password: person.password }))
      .login;
    expect((await gql(person.token).request(ME)).me.id).toBe(person.user.id); // cached by the gateway now

    expect(
      await graphqlError(
        gql(person.token).request(CHANGE_PASSWORD, { currentPassword: "wrong password", newPassword: "new password 1" }),
      ),
    ).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(
      await graphqlError(gql().request(CHANGE_PASSWORD, { currentPassword: person.password, newPassword: "x" })),
    ).toMatchObject({
      code: "UNAUTHENTICATED",
    });

    const { changePassword } = await gql(person.token).request<{ changePassword: { token: string; refreshToken: string } }>(
      CHANGE_PASSWORD,
      { currentPassword: person.password, newPassword: "new password 1" },
    );
    for (const token of [person.token, otherSession.token]) {
      expect(await graphqlError(gql(token).request(ME))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    }
    for (const refreshToken of [person.refreshToken, otherSession.refreshToken]) {
      expect(await graphqlError(gql().request(REFRESH, { refreshToken }))).toMatchObject({ code: "UNAUTHENTICATED" });
    }
    expect((await gql(changePassword.token).request(ME)).me.id).toBe(person.user.id);
    await gql().request(REFRESH, { refreshToken: changePassword.refreshToken });
    expect(await graphqlError(gql().request(LOGIN, { email: person.email, password: person.password }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await gql().request(LOGIN, { email: person.email, password: "new password 1" });
    await inbox.next(person.email, /Your password was changed/);
  });

  test("password reset: the emailed token sets the password once, ends every session, and is refused used, expired or made up", async () => {
    const person = await newAccount();
    const other = await newAccount(true);
    expect(await gql().request(REQUEST_RESET, { email: person.email })).toEqual({ requestPasswordReset: true });
    const mail = await inbox.next(person.email, /Reset your password/);
    expect(mail.text).toContain(`https://shop.example.com/account/reset-password?token=${mail.token}`);

    expect(await gql().request(RESET, { token: mail.token, newPassword: "reset password 1" })).toEqual({ resetPassword: true });
    expect(await graphqlError(gql(person.token).request(ME))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect(await graphqlError(gql().request(REFRESH, { refreshToken: person.refreshToken }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
    const { login } = await gql().request<{ login: Session }>(LOGIN, { email: person.email, password: "reset password 1" });
    // The link proved the address.
    expect((await gql(login.token).request(ME)).me.emailVerified).toBe(true);
    await inbox.next(person.email, /Your password was changed/);

    // Used twice: refused, and the password stays the one it set.
    expect(await graphqlError(gql().request(RESET, { token: mail.token, newPassword: "reset password 2" }))).toMatchObject({
      code: "BAD_USER_INPUT",
    });
    // Made up, or a real one of another kind (a verification token): refused.
    const verification = inbox.messages.find((m) => m.to.includes(person.email) && /Confirm/.test(m.subject))!;
    for (const token of ["x".repeat(43), verification.token!]) {
      expect(await graphqlError(gql().request(RESET, { token, newPassword: "reset password 2" }))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
    }
    await gql().request(LOGIN, { email: person.email, password: "reset password 1" });

    // Another account's token resets that account only.
    await gql().request(REQUEST_RESET, { email: other.email });
    const othersMail = await inbox.next(other.email, /Reset your password/);
    await gql().request(RESET, { token: othersMail.token, newPassword: "other's new password" });
    await gql().request(LOGIN, { email: person.email, password: "reset password 1" });
    await gql().request(LOGIN, { email: other.email, password: "other's new password" });

    // Expired: the users subgraph's clock moves past PASSWORD_RESET_TTL_SECONDS, no waiting.
    await gql().request(REQUEST_RESET, { email: person.email });
    const late = await inbox.next(person.email, /Reset your password/);
    clockOffsetMs = (PASSWORD_RESET_TTL_SECONDS + 1) * 1000;
    try {
      expect(await graphqlError(gql().request(RESET, { token: late.token, newPassword: "reset password 3" }))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
    } finally {
      clockOffsetMs = 0;
    }
    await gql().request(LOGIN, { email: person.email, password: "reset password 1" });
  });

  test("requestPasswordReset answers true for an unknown address and emails nobody", async () => {
    const person = await newAccount(true);
    const sentBefore = inbox.messages.length;
    expect(await gql().request(REQUEST_RESET, { email: "nobody-here@example.com" })).toEqual({ requestPasswordReset: true });
    // The known address's email comes after: by then the unknown one would have been sent too.
    await gql().request(REQUEST_RESET, { email: person.email });
    await inbox.next(person.email, /Reset your password/);
    expect(inbox.messages.slice(sentBefore).flatMap((mail) => mail.to)).toEqual([person.email]);
  });

  test("an email change takes effect only once the new address opens its link, and the old address is told", async () => {
    const person = await newAccount(true);
    const newEmail = `${person.name}-new@example.com`;
    expect(await graphqlError(gql(person.token).request(CHANGE_EMAIL, { newEmail, password: "wrong password" }))).toMatchObject({
      code: "BAD_USER_INPUT",
    });
    expect(
      await graphqlError(gql(person.token).request(CHANGE_EMAIL, { newEmail: "not an address", password: person.password })),
    ).toMatchObject({
      code: "BAD_USER_INPUT",
    });
    expect(await gql(person.token).request(CHANGE_EMAIL, { newEmail, password: person.password })).toEqual({
      requestEmailChange: true,
    });
    const notice = await inbox.next(person.email, /being changed/);
    expect(notice.text).toContain(newEmail);
    const link = await inbox.next(newEmail, /Confirm your email address/);
    expect((await gql(person.token).request(ME)).me).toMatchObject({ email: person.email });

    await gql().request(VERIFY, { token: link.token });
    expect((await gql(person.token).request(ME)).me).toEqual({ id: person.user.id, email: newEmail, emailVerified: true });
    await gql().request(LOGIN, { email: newEmail, password: person.password });
    expect(await graphqlError(gql().request(LOGIN, { email: person.email, password: person.password }))).toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });

  test("with ORDERS_REQUIRE_VERIFIED_EMAIL, an account orders only once its email is verified", async () => {
    const admin = await signUpAdmin(platform, `${backend}-admin`);
    const productId = await createProduct(gql(admin.token), { name: "Lamp", price: "10.00", stockQuantity: 5 });
    const person = await newAccount();
    const order = () => gql(person.token).request(CREATE_ORDER, { userId: person.user.id, items: [{ productId, quantity: 1 }] });
    expect(await graphqlError(order())).toMatchObject({
      code: "FORBIDDEN",
      message: "Verify your email address before ordering",
    });
    const mail = inbox.messages.find((m) => m.to.includes(person.email) && /Confirm/.test(m.subject))!;
    await gql().request(VERIFY, { token: mail.token });
    expect((await order()).createOrder.status).toBe("PENDING");
  });

  test("the outbox survives an SMTP outage: the email waits, and arrives once the server is back", async () => {
    const person = await newAccount(true);
    const outbox = platform.subgraphs.users.database.prisma.mailOutbox;
    await smtp.stop();
    try {
      await gql().request(REQUEST_RESET, { email: person.email });
      await until(async () => (await outbox.findMany({ where: { recipient: person.email } })).some((row) => row.attempts >= 1));
    } finally {
      await smtp.start();
    }
    const mail = await inbox.next(person.email, /Reset your password/);
    expect(mail.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Sent, so deleted: the link's token is no longer kept in clear.
    await until(async () => (await outbox.count({ where: { recipient: person.email } })) === 0);
  });
});
