import type { Request } from "express";
import { signAccessToken } from "../lib/auth";
import { cachedAccountLookup } from "../gateway/src/account-cache";
import { buildGatewayContext, type Account } from "../gateway/src/context";

/**
 * The gateway's check of an access token's version against the account's
 * (docs/security.md, "Account emails"), over the real account cache on a clock
 * the test moves: what the gateway that carried a password change sees (the
 * entry forgotten: the old token refused at once), and what another replica
 * sees (the old token until the TTL has passed, the new one at once).
 */
describe("access token versions at the gateway", () => {
  const secret = "a-secret-of-at-least-32-bytes-long!!";
  let now: number;
  let account: Account;
  let asked: number;
  const tokenOf = (tokenVersion: number) => signAccessToken({ userId: "7", role: "customer", tokenVersion }, secret, 600);
  const requestWith = (token: string) =>
    ({ headers: { authorization: `Bearer ${token}` }, ip: "127.0.0.1" }) as unknown as Request;

  let findAccount: ReturnType<typeof cachedAccountLookup>;
  beforeEach(() => {
    now = 1_000_000;
    account = { role: "customer", tokenVersion: 0 };
    asked = 0;
    findAccount = cachedAccountLookup(
      async () => {
        asked++;
        return { ...account };
      },
      { ttlSeconds: 5, perf: { now: () => now } },
    );
  });
  const check = async (token: string) => {
    try {
      const context = await buildGatewayContext(requestWith(token), { jwtSecret: secret, findAccount });
      return context.principal.kind;
    } catch (error) {
      return (error as { extensions?: { code?: string } }).extensions?.code;
    }
  };

  test("the gateway that carried the change forgets the account: the older token is refused at once, the new one works", async () => {
    expect(await check(tokenOf(0))).toBe("user");
    account.tokenVersion = 1;
    const context = await buildGatewayContext(requestWith(tokenOf(0)), { jwtSecret: secret, findAccount });
    context.forgetAccounts?.(["7"]);
    expect(await check(tokenOf(0))).toBe("UNAUTHENTICATED");
    expect(await check(tokenOf(1))).toBe("user");
  });

  test("another replica: the newer token makes it ask again at once; the older one is refused once it has", async () => {
    expect(await check(tokenOf(0))).toBe("user");
    account.tokenVersion = 1;
    // Within the TTL this replica still remembers version 0: the bound docs/security.md states.
    expect(await check(tokenOf(0))).toBe("user");
    expect(asked).toBe(1);
    expect(await check(tokenOf(1))).toBe("user");
    expect(asked).toBe(2);
    expect(await check(tokenOf(0))).toBe("UNAUTHENTICATED");
  });

  test("without a new token, the TTL bounds how long an older token works", async () => {
    expect(await check(tokenOf(0))).toBe("user");
    account.tokenVersion = 1;
    now += 5_001;
    expect(await check(tokenOf(0))).toBe("UNAUTHENTICATED");
  });

  test("a token without a version (signed before versions existed) counts as version 0", async () => {
    const jwt = await import("jsonwebtoken");
    const legacy = jwt.default.sign({ role: "customer", typ: "access" }, secret, {
      subject: "7",
      expiresIn: 600,
      algorithm: "HS256",
      issuer: "federated-shop/users",
      audience: "federated-shop/api",
    });
    expect(await check(legacy)).toBe("user");
    account.tokenVersion = 1;
    findAccount.forget?.("7");
    expect(await check(legacy)).toBe("UNAUTHENTICATED");
  });
});
