import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { metricValue, scrape } from "./support/metrics";
import { LOGIN, ME, REGISTER, SEARCH_USERS, USER } from "./support/operations";
import { usePlatform } from "./support/use-platform";

describe.each(BACKENDS)("users through the gateway (%s)", (backend) => {
  const platform = usePlatform(backend);

  const john = { email: "John.Doe@example.com", username: "johndoe", password: "securepassword123", fullName: "John Doe" };

  test("register, then log in, then ask who I am", async () => {
    const gql = platform.client();
    const { register } = await gql.request(REGISTER, { input: john });
    expect(register).toMatchObject({ id: "1", email: "john.doe@example.com", username: "johndoe", fullName: "John Doe" });
    expect(Date.parse(register.createdAt)).not.toBeNaN();

    const { login } = await gql.request(LOGIN, { email: "john.doe@example.com", password: john.password });
    expect(login.user.id).toBe(register.id);
    expect(login.token.split(".")).toHaveLength(3);

    const { me } = await platform.client(login.token).request(ME);
    expect(me).toEqual(register);
  });

  test("the same email or username cannot register twice, and is refused before any password is hashed", async () => {
    const hashes = async () =>
      metricValue(await scrape(platform.subgraphs.users.url), "shop_bcrypt_tasks_total", { task: "hash" }) ?? 0;
    const hashedBefore = await hashes();
    expect(hashedBefore).toBeGreaterThan(0); // john's registration
    const sameEmail = await graphqlError(platform.client().request(REGISTER, { input: { ...john, username: "other" } }));
    expect(sameEmail).toMatchObject({ code: "ALREADY_EXISTS", message: "User already exists" });
    const sameUsername = await graphqlError(
      platform.client().request(REGISTER, { input: { ...john, email: "someone.else@example.com" } }),
    );
    expect(sameUsername).toMatchObject({ code: "ALREADY_EXISTS", message: "User already exists" });
    expect(await hashes()).toBe(hashedBefore);
  });

  test("a wrong password and an unknown email get the same refusal", async () => {
    const wrongPassword = await graphqlError(
      platform.client().request(LOGIN, { email: john.email, password: "not-the-password" }),
    );
    const unknownEmail = await graphqlError(
      platform.client().request(LOGIN, { email: "nobody@example.com", password: john.password }),
    );
    expect(wrongPassword).toMatchObject({ code: "UNAUTHENTICATED", message: "Invalid credentials" });
    expect(unknownEmail).toEqual(wrongPassword);
  });

  test("invalid registrations are refused with the fields at fault, and nothing is stored", async () => {
    const error = await graphqlError(
      platform.client().request(REGISTER, { input: { email: "not-an-email", username: "x", password: "short" } }),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toMatch(/email/);
    expect(error.message).toMatch(/username/);
    expect(error.message).toMatch(/password/);
    const login = await graphqlError(platform.client().request(LOGIN, { email: "not-an-email", password: "short" }));
    expect(login.code).toBe("UNAUTHENTICATED");
  });

  test("me needs a token, and a forged token is refused at the gateway with 401", async () => {
    expect(await graphqlError(platform.client().request(ME))).toMatchObject({ code: "UNAUTHENTICATED" });
    const forged = await graphqlError(platform.client("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad").request(ME));
    expect(forged).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });

  test("user by id: found, missing, malformed", async () => {
    const user = (await platform.client().request(USER, { id: "1" })).user!;
    expect(user.username).toBe("johndoe");
    expect((await platform.client().request(USER, { id: "999" })).user).toBeNull();
    expect(await graphqlError(platform.client().request(USER, { id: "abc" }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  test("search finds users by a word of their name, username or email, best match first", async () => {
    const gql = platform.client();
    await gql.request(REGISTER, {
      input: { email: "jane.smith@example.com", username: "janesmith", password: "mypassword456", fullName: "Jane Smith" },
    });
    await gql.request(REGISTER, {
      input: { email: "bob@builder.org", username: "bobby", password: "mypassword456", fullName: "Robert Johnson" },
    });

    const byFirstName = await gql.request(SEARCH_USERS, { query: "john" });
    expect(byFirstName.searchUsers.map((u) => u.username).sort()).toEqual(["bobby", "johndoe"]);
    expect((await gql.request(SEARCH_USERS, { query: "Jane Smith" })).searchUsers).toEqual([
      { id: expect.any(String), username: "janesmith" },
    ]);
    expect((await gql.request(SEARCH_USERS, { query: "builder" })).searchUsers.map((u) => u.username)).toEqual(["bobby"]);
    expect((await gql.request(SEARCH_USERS, { query: "zebra" })).searchUsers).toEqual([]);
    expect(await graphqlError(gql.request(SEARCH_USERS, { query: "  " }))).toMatchObject({ code: "BAD_USER_INPUT" });
  });
});
