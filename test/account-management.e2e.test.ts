import { GraphQLClient } from "graphql-request";
import { until } from "./support/until";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { signIn, signUpAdmin, signUpCustomer, type Account } from "./support/accounts";
import { CREATE_ORDER, CREATE_PRODUCT, LOGIN_TOKENS, ME, REFRESH_TOKEN, REGISTER, SEARCH_USERS } from "./support/operations";
import {
  ACCOUNT_EXPORT,
  CLOSE_ACCOUNT,
  CLOSE_MY_ACCOUNT,
  DISABLE_ACCOUNT,
  ENABLE_ACCOUNT,
  MY_ACCOUNT,
  ORDER_WITH_CUSTOMER,
  SET_ROLE,
  UPDATE_PROFILE,
} from "./support/account-operations";
import { usePlatform } from "./support/use-platform";

/**
 * Long on purpose: the gateway's account cache would keep a closed, disabled or
 * demoted account working this long, so each "at once" below shows that the
 * gateway that carried the change forgot the account (account-changes.ts).
 */
const ACCOUNT_CACHE_TTL_SECONDS = 60;
const ACCOUNT_CHANGES_PER_HOUR = 20;

/**
 * Account management through the gateway, AUTH_MODE=enforced: profile edits,
 * closing an account, data export, and admins made, unmade, disabled through
 * the API, with the last admin kept.
 */
describe.each(BACKENDS)("account management through the gateway (%s)", (backend) => {
  let boss: Account;
  let productId: string;

  const as = (account?: Account) => platform.client(account?.token);
  const failure = (request: Promise<unknown>) => graphqlError(request).then(({ code, status }) => ({ code, status }));
  const placeOrder = async (account: Account, quantity: number) =>
    (await as(account).request(CREATE_ORDER, { userId: account.id, items: [{ productId, quantity }] })).createOrder.id;

  const platform = usePlatform(backend, {
    authMode: "enforced",
    env: {
      ACCOUNT_CACHE_TTL_SECONDS: String(ACCOUNT_CACHE_TTL_SECONDS),
      ACCOUNT_CHANGES_PER_HOUR: String(ACCOUNT_CHANGES_PER_HOUR),
    },
  });
  beforeAll(async () => {
    boss = await signUpAdmin(platform, `boss_${backend}`);
    const { createProduct } = await as(boss).request(CREATE_PRODUCT, {
      input: { name: "Desk Lamp", price: "25.00", stockQuantity: 100, tags: ["lamp"] },
    });
    productId = createProduct.id;
  });

  describe("profile edit", () => {
    test("the owner changes their own name and username", async () => {
      const alice = await signUpCustomer(platform, `alice_${backend}`);
      const { updateProfile } = await as(alice).request(UPDATE_PROFILE, {
        input: { fullName: "Alice Liddell", username: `wonder_${backend}` },
      });
      expect(updateProfile).toMatchObject({ id: alice.id, fullName: "Alice Liddell", username: `wonder_${backend}` });
      expect((await as(alice).request(ME)).me).toMatchObject({ fullName: "Alice Liddell", username: `wonder_${backend}` });
    });

    test("an admin edits anyone's; another customer is refused and changes nothing", async () => {
      const carol = await signUpCustomer(platform, `carol_${backend}`);
      const mallory = await signUpCustomer(platform, `mallory_${backend}`);
      expect(await failure(as(mallory).request(UPDATE_PROFILE, { id: carol.id, input: { fullName: "Hacked" } }))).toEqual({
        code: "FORBIDDEN",
        status: 200,
      });
      expect(await failure(as().request(UPDATE_PROFILE, { id: carol.id, input: { fullName: "Hacked" } }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect((await as(carol).request(ME)).me.fullName).toBe(`carol_${backend}`);

      const { updateProfile } = await as(boss).request(UPDATE_PROFILE, { id: carol.id, input: { fullName: "Carol C." } });
      expect(updateProfile).toMatchObject({ id: carol.id, fullName: "Carol C.", username: `carol_${backend}` });
    });

    test("a taken username is ALREADY_EXISTS, a malformed one BAD_USER_INPUT, and neither changes the profile", async () => {
      const dan = await signUpCustomer(platform, `dan_${backend}`);
      await signUpCustomer(platform, `erin_${backend}`);
      expect(await failure(as(dan).request(UPDATE_PROFILE, { input: { username: `erin_${backend}` } }))).toMatchObject({
        code: "ALREADY_EXISTS",
      });
      expect(await failure(as(dan).request(UPDATE_PROFILE, { input: { username: "no spaces!" } }))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
      expect(await failure(as(dan).request(UPDATE_PROFILE, { input: { fullName: "x".repeat(256) } }))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
      expect((await as(dan).request(ME)).me).toMatchObject({ username: `dan_${backend}`, fullName: `dan_${backend}` });
    });
  });

  describe("closing an account", () => {
    test("by its owner: signed out everywhere at once, personal fields gone, orders kept for the books", async () => {
      const name = `frank_${backend}`;
      const frank = await signUpCustomer(platform, name);
      const orderId = await placeOrder(frank, 2);

      expect(await failure(as(frank).request(CLOSE_MY_ACCOUNT, { password: "not-the-password" }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect((await as(frank).request(ME)).me.id).toBe(frank.id);

      const { closeMyAccount } = await as(frank).request(CLOSE_MY_ACCOUNT, { password: frank.password });
      expect(closeMyAccount).toMatchObject({ id: frank.id, status: "CLOSED", fullName: "" });
      expect(closeMyAccount.closedAt).toEqual(expect.any(String));

      // The access token is refused at once (the cache would have kept it ACCOUNT_CACHE_TTL_SECONDS), and so is the rest.
      expect(await failure(as(frank).request(ME))).toEqual({ code: "UNAUTHENTICATED", status: 401 });
      expect(await failure(as().request(REFRESH_TOKEN, { refreshToken: frank.refreshToken }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await failure(as().request(LOGIN_TOKENS, { email: frank.email, password: frank.password }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });

      // The shop's books: the order and its total stay; nothing on it or its user names the person.
      const { order } = await as(boss).request(ORDER_WITH_CUSTOMER, { id: orderId });
      expect(order).toMatchObject({ id: orderId, totalAmount: "50.00", user: { id: frank.id, status: "CLOSED" } });
      const leftAboutFrank = JSON.stringify(order);
      for (const personal of [frank.email, name, "frank"]) expect(leftAboutFrank).not.toContain(personal);

      // Email and username are free again for someone new.
      const { register } = await as().request(REGISTER, {
        input: { email: frank.email, username: name, password: "a-new-password", fullName: "New Frank" },
      });
      expect(register.id).not.toBe(frank.id);
    });

    test("by an admin: the account's tokens stop at once; closing it again answers the same", async () => {
      const gina = await signUpCustomer(platform, `gina_${backend}`);
      expect((await as(gina).request(ME)).me.id).toBe(gina.id); // now in the gateway's cache
      const { closeAccount } = await as(boss).request(CLOSE_ACCOUNT, { id: gina.id });
      expect(closeAccount).toMatchObject({ status: "CLOSED", email: `closed#${gina.id}`, username: `closed#${gina.id}` });
      expect(await failure(as(gina).request(ME))).toEqual({ code: "UNAUTHENTICATED", status: 401 });
      expect((await as(boss).request(CLOSE_ACCOUNT, { id: gina.id })).closeAccount).toEqual(closeAccount);
      // Nobody orders for it any more, not even an admin.
      expect(
        await graphqlError(as(boss).request(CREATE_ORDER, { userId: gina.id, items: [{ productId, quantity: 1 }] })),
      ).toMatchObject({ code: "FORBIDDEN", message: "This account is closed: it cannot order" });
      // A closed account is final.
      expect(await failure(as(boss).request(ENABLE_ACCOUNT, { id: gina.id }))).toMatchObject({ code: "CONFLICT" });
      expect(await failure(as(boss).request(UPDATE_PROFILE, { id: gina.id, input: { fullName: "Gina" } }))).toMatchObject({
        code: "CONFLICT",
      });
    });

    test("a customer cannot close someone else's account", async () => {
      const hank = await signUpCustomer(platform, `hank_${backend}`);
      const ivy = await signUpCustomer(platform, `ivy_${backend}`);
      expect(await failure(as(ivy).request(CLOSE_ACCOUNT, { id: hank.id }))).toMatchObject({ code: "FORBIDDEN" });
      expect((await as(hank).request(ME)).me.id).toBe(hank.id);
    });
  });

  describe("data export", () => {
    test("the owner's profile, orders and sign-ins; an admin may export anyone's, another customer nobody's", async () => {
      const name = `jane_${backend}`;
      const jane = await signUpCustomer(platform, name);
      await signIn(platform, jane.email, jane.password); // a second sign-in
      const first = await placeOrder(jane, 1);
      const second = await placeOrder(jane, 3);

      const { accountExport } = await as(jane).request(ACCOUNT_EXPORT, {});
      expect(accountExport.user).toMatchObject({ id: jane.id, email: jane.email, username: name, role: "CUSTOMER" });
      expect(accountExport.user.orders.map((order) => [order.id, order.totalAmount])).toEqual([
        [second, "75.00"],
        [first, "25.00"],
      ]);
      expect(accountExport.user.orders[0].items).toEqual([
        { quantity: 3, unitPrice: "25.00", product: { id: productId, name: "Desk Lamp" } },
      ]);
      expect(accountExport.signIns).toHaveLength(2);
      expect(accountExport.signIns.every((signIn) => signIn.revokedAt === null)).toBe(true);
      expect(JSON.stringify(accountExport)).not.toMatch(/password|\$2[aby]\$/i);

      const byAdmin = (await as(boss).request(ACCOUNT_EXPORT, { id: jane.id })).accountExport;
      expect(byAdmin.user).toEqual(accountExport.user);

      const kim = await signUpCustomer(platform, `kim_${backend}`);
      expect(await failure(as(kim).request(ACCOUNT_EXPORT, { id: jane.id }))).toMatchObject({ code: "FORBIDDEN" });
      expect((await as(kim).request(ACCOUNT_EXPORT, {})).accountExport.user.orders).toEqual([]);
      expect(await failure(as().request(ACCOUNT_EXPORT, {}))).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(await failure(as(boss).request(ACCOUNT_EXPORT, { id: "999999" }))).toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("admins through the API", () => {
    test("an admin promotes and demotes; the role bites at once; customers cannot", async () => {
      const leo = await signUpCustomer(platform, `leo_${backend}`);
      expect(await failure(as(leo).request(SEARCH_USERS, { query: "leo" }))).toMatchObject({ code: "FORBIDDEN" });
      expect(await failure(as(leo).request(SET_ROLE, { id: leo.id, role: "ADMIN" }))).toMatchObject({ code: "FORBIDDEN" });

      expect((await as(boss).request(SET_ROLE, { id: leo.id, role: "ADMIN" })).setRole.role).toBe("ADMIN");
      // The same token, now an admin's: the gateway asked users again.
      expect((await as(leo).request(SEARCH_USERS, { query: "leo" })).searchUsers.map((user) => user.id)).toContain(leo.id);

      // With boss still an admin, leo may step down.
      expect((await as(leo).request(SET_ROLE, { id: leo.id, role: "CUSTOMER" })).setRole.role).toBe("CUSTOMER");
      expect(await failure(as(leo).request(SEARCH_USERS, { query: "leo" }))).toMatchObject({ code: "FORBIDDEN" });
    });

    test("the last active admin cannot demote, disable or close themself", async () => {
      expect(await failure(as(boss).request(SET_ROLE, { id: boss.id, role: "CUSTOMER" }))).toMatchObject({ code: "CONFLICT" });
      expect(await failure(as(boss).request(DISABLE_ACCOUNT, { id: boss.id }))).toMatchObject({ code: "CONFLICT" });
      expect(await failure(as(boss).request(CLOSE_MY_ACCOUNT, { password: boss.password }))).toMatchObject({
        code: "CONFLICT",
      });
      expect((await as(boss).request(MY_ACCOUNT)).me).toMatchObject({ role: "ADMIN", status: "ACTIVE" });
    });

    test("a disabled account cannot log in, refresh or use its token until enabled", async () => {
      const max = await signUpCustomer(platform, `max_${backend}`);
      expect(await failure(as(max).request(DISABLE_ACCOUNT, { id: max.id }))).toMatchObject({ code: "FORBIDDEN" });
      expect((await as(max).request(ME)).me.id).toBe(max.id);

      expect((await as(boss).request(DISABLE_ACCOUNT, { id: max.id })).disableAccount.status).toBe("DISABLED");
      expect(await failure(as(max).request(ME))).toEqual({ code: "UNAUTHENTICATED", status: 401 });
      expect(await failure(as().request(REFRESH_TOKEN, { refreshToken: max.refreshToken }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
      expect(await failure(as().request(LOGIN_TOKENS, { email: max.email, password: max.password }))).toMatchObject({
        code: "FORBIDDEN",
      });

      const orderForMax = () => as(boss).request(CREATE_ORDER, { userId: max.id, items: [{ productId, quantity: 1 }] });
      expect(await graphqlError(orderForMax())).toMatchObject({
        code: "FORBIDDEN",
        message: "This account is disabled: it cannot order",
      });

      expect((await as(boss).request(ENABLE_ACCOUNT, { id: max.id })).enableAccount.status).toBe("ACTIVE");
      const again = await signIn(platform, max.email, max.password);
      expect((await as(again).request(ME)).me.id).toBe(max.id);
      expect((await orderForMax()).createOrder.status).toBe("PENDING");
      // The sessions from before stay signed out.
      expect(await failure(as().request(REFRESH_TOKEN, { refreshToken: max.refreshToken }))).toMatchObject({
        code: "UNAUTHENTICATED",
      });
    });

    test("two admins demoting each other at once: one wins, one admin remains", async () => {
      const nora = await signUpAdmin(platform, `nora_${backend}`);
      const outcomes = await Promise.allSettled([
        as(boss).request(SET_ROLE, { id: nora.id, role: "CUSTOMER" }),
        as(nora).request(SET_ROLE, { id: boss.id, role: "CUSTOMER" }),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      // The loser hears CONFLICT (the winner's change committed while it waited for the admins' rows), or FORBIDDEN
      // (its request came after the change and the gateway already knew it was no longer an admin).
      const refused = outcomes.findIndex((outcome) => outcome.status === "rejected");
      expect(["CONFLICT", "FORBIDDEN"]).toContain(
        (await graphqlError(Promise.reject((outcomes[refused] as PromiseRejectedResult).reason))).code,
      );
      const winner = refused === 0 ? nora : boss;
      const roles = await Promise.all(
        [boss, nora].map(async (admin) => (await as(winner).request(ACCOUNT_EXPORT, { id: admin.id })).accountExport.user.role),
      );
      expect(roles.sort()).toEqual(["ADMIN", "CUSTOMER"]);
    });
  });

  test("hostile input is refused with a code, never a server error, and changes nothing", async () => {
    const quinn = await signUpCustomer(platform, `quinn_${backend}`);
    const hostileText = ["x".repeat(1_000_000), "a\u0000b", "abc\ud800def", "", "   ", "ab", "ünïcödé", "a b"];
    for (const text of hostileText) {
      const codes = await Promise.all([
        failure(as(quinn).request(UPDATE_PROFILE, { input: { username: text } })),
        text.length > 255 || text.includes("\u0000") || text.includes("\ud800")
          ? failure(as(quinn).request(UPDATE_PROFILE, { input: { fullName: text } }))
          : Promise.resolve({ code: "BAD_USER_INPUT", status: 200 }),
      ]);
      // A 1 MB string makes the body larger than the gateway takes: BAD_REQUEST (413) before any service sees it.
      for (const { code, status } of codes) {
        expect(["BAD_USER_INPUT", "BAD_REQUEST"]).toContain(code);
        expect(status).toBeLessThan(500);
      }
    }
    for (const password of ["x".repeat(1_000_000), "a\u0000b", ""]) {
      expect(["BAD_USER_INPUT", "BAD_REQUEST", "UNAUTHENTICATED"]).toContain(
        (await failure(as(quinn).request(CLOSE_MY_ACCOUNT, { password }))).code,
      );
    }
    for (const id of ["-1", "1.5", "NaN", "99999999999", "1; DROP TABLE users", "\u0000"]) {
      for (const request of [
        as(boss).request(SET_ROLE, { id, role: "ADMIN" }),
        as(boss).request(DISABLE_ACCOUNT, { id }),
        as(boss).request(CLOSE_ACCOUNT, { id }),
        as(boss).request(UPDATE_PROFILE, { id, input: { fullName: "x" } }),
        as(boss).request(ACCOUNT_EXPORT, { id }),
      ]) {
        expect((await failure(request)).code).toBe("BAD_USER_INPUT");
      }
    }
    expect((await as(quinn).request(MY_ACCOUNT)).me).toMatchObject({
      username: `quinn_${backend}`,
      fullName: `quinn_${backend}`,
      status: "ACTIVE",
    });
  });

  test(`account changes are throttled per caller: ${ACCOUNT_CHANGES_PER_HOUR} an hour, then TOO_MANY_REQUESTS`, async () => {
    const olga = await signUpCustomer(platform, `olga_${backend}`);
    for (let change = 1; change <= ACCOUNT_CHANGES_PER_HOUR; change++) {
      await as(olga).request(UPDATE_PROFILE, { input: { fullName: `Olga ${change}` } });
    }
    const refused = await graphqlError(as(olga).request(UPDATE_PROFILE, { input: { fullName: "One too many" } }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect((await as(olga).request(ME)).me.fullName).toBe(`Olga ${ACCOUNT_CHANGES_PER_HOUR}`);
    // Another caller is not held back by olga's count.
    const pia = await signUpCustomer(platform, `pia_${backend}`);
    expect((await as(pia).request(UPDATE_PROFILE, { input: { fullName: "Pia" } })).updateProfile.fullName).toBe("Pia");
  });
});

/**
 * AUTH_MODE=open (the legacy anonymous API) does not open account management,
 * and with two gateway replicas a change made through one reaches the other
 * within ACCOUNT_CACHE_TTL_SECONDS (its own memory of the account expires).
 */
describe("account management in open mode, two gateway replicas (postgres)", () => {
  const TTL_SECONDS = 1;
  let boss: Account;
  const atReplica = (index: number, account?: Account) =>
    new GraphQLClient(platform.replicas.gatewayUrls[index], {
      headers: account ? { authorization: `Bearer ${account.token}` } : {},
    });

  const platform = usePlatform("postgres", {
    replicas: 2,
    authMode: "open",
    env: { ACCOUNT_CACHE_TTL_SECONDS: String(TTL_SECONDS) },
  });
  beforeAll(async () => {
    boss = await signUpAdmin(platform, "boss_open");
  });

  test("anonymous callers and customers are refused as in enforced mode", async () => {
    const rita = await signUpCustomer(platform, "rita_open");
    const sam = await signUpCustomer(platform, "sam_open");
    const anonymous = atReplica(0);
    for (const request of [
      anonymous.request(SET_ROLE, { id: rita.id, role: "ADMIN" }),
      anonymous.request(UPDATE_PROFILE, { id: rita.id, input: { fullName: "Anon" } }),
      anonymous.request(CLOSE_ACCOUNT, { id: rita.id }),
      anonymous.request(ACCOUNT_EXPORT, { id: rita.id }),
    ]) {
      expect((await graphqlError(request)).code).toBe("UNAUTHENTICATED");
    }
    const asRita = atReplica(0, rita);
    for (const request of [
      asRita.request(SET_ROLE, { id: rita.id, role: "ADMIN" }),
      asRita.request(UPDATE_PROFILE, { id: sam.id, input: { fullName: "Rita was here" } }),
      asRita.request(DISABLE_ACCOUNT, { id: sam.id }),
      asRita.request(ACCOUNT_EXPORT, { id: sam.id }),
    ]) {
      expect((await graphqlError(request)).code).toBe("FORBIDDEN");
    }
    expect((await atReplica(0, sam).request(MY_ACCOUNT)).me).toMatchObject({ role: "CUSTOMER", fullName: "sam_open" });
  });

  test("disabled through one gateway: refused there at once, and by the other within the TTL", async () => {
    const tom = await signUpCustomer(platform, "tom_open");
    // Kept by both gateways.
    for (const replica of [0, 1]) expect((await atReplica(replica, tom).request(ME)).me.id).toBe(tom.id);
    await atReplica(0, boss).request(DISABLE_ACCOUNT, { id: tom.id });
    expect((await graphqlError(atReplica(0, tom).request(ME))).status).toBe(401);
    await until(
      () =>
        graphqlError(atReplica(1, tom).request(ME)).then(
          ({ status }) => status === 401,
          () => false,
        ),
      TTL_SECONDS * 1000 + 2000,
    );
  });
});
