import { readEnv } from "../lib/config";
import { Passwords } from "../subgraphs/users/src/passwords";
import { mayActFor, requireAdmin, requireService, requireSignedIn } from "../subgraphs/shared/authorization";
import {
  decodePrincipal,
  encodePrincipal,
  hasServiceCredential,
  readRequestIdentity,
  type Principal,
} from "../lib/request-identity";

describe("the principal a subgraph acts for", () => {
  test("round-trips through its header, and anything malformed is anonymous", () => {
    const principals: Principal[] = [
      { kind: "anonymous" },
      { kind: "service" },
      { kind: "user", userId: 42, role: "customer" },
      { kind: "user", userId: 7, role: "admin" },
    ];
    for (const principal of principals) expect(decodePrincipal(encodePrincipal(principal))).toEqual(principal);
    for (const hostile of [
      undefined,
      "",
      "user:1:root",
      "user:0:admin",
      "user:-1:admin",
      "user:1:admin ",
      "Service",
      "user:99999999999:admin",
      "user:1",
    ]) {
      expect(decodePrincipal(hostile)).toEqual({ kind: "anonymous" });
    }
  });

  test("the service credential must match exactly", () => {
    const token = "s".repeat(64);
    expect(hasServiceCredential({ "x-service-token": token }, token)).toBe(true);
    for (const presented of [undefined, "", token.slice(1), `${token}s`, "S".repeat(64)]) {
      expect(hasServiceCredential({ "x-service-token": presented }, token)).toBe(false);
    }
  });

  test("identity headers are read as the gateway wrote them", () => {
    expect(readRequestIdentity({ "x-principal": "user:3:customer", "x-client-address": "10.1.2.3" }, "enforced")).toEqual({
      principal: { kind: "user", userId: 3, role: "customer" },
      authMode: "enforced",
      clientAddress: "10.1.2.3",
    });
  });
});

describe("the shared authorization rules", () => {
  const enforced = (principal: Principal) => ({ principal, authMode: "enforced" as const });
  const open = (principal: Principal) => ({ principal, authMode: "open" as const });
  const customer: Principal = { kind: "user", userId: 1, role: "customer" };
  const admin: Principal = { kind: "user", userId: 2, role: "admin" };
  const anonymous: Principal = { kind: "anonymous" };
  const service: Principal = { kind: "service" };

  test("enforced: own data for a customer, everyone's for an admin or a service, nobody's for anonymous", () => {
    expect(mayActFor(enforced(customer), 1)).toBe(true);
    expect(mayActFor(enforced(customer), 2)).toBe(false);
    expect(mayActFor(enforced(admin), 1)).toBe(true);
    expect(mayActFor(enforced(service), 1)).toBe(true);
    expect(mayActFor(enforced(anonymous), 1)).toBe(false);
    expect(() => requireAdmin(enforced(anonymous))).toThrow(expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } }));
    expect(() => requireAdmin(enforced(customer))).toThrow(expect.objectContaining({ extensions: { code: "FORBIDDEN" } }));
    expect(() => requireAdmin(enforced(admin))).not.toThrow();
    expect(() => requireSignedIn(enforced(anonymous))).toThrow();
  });

  test("open: the legacy API lets anyone, but service-only operations stay the services'", () => {
    expect(mayActFor(open(anonymous), 1)).toBe(true);
    expect(() => requireAdmin(open(anonymous))).not.toThrow();
    expect(() => requireSignedIn(open(anonymous))).not.toThrow();
    expect(() => requireService(open(admin))).toThrow(expect.objectContaining({ extensions: { code: "FORBIDDEN" } }));
    expect(() => requireService(open(service))).not.toThrow();
  });
});

describe("shared secrets", () => {
  test("must be at least 32 bytes, counted in UTF-8", () => {
    expect(() => readEnv({ JWT_SECRET: "a".repeat(31) })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(() => readEnv({ SERVICE_TOKEN: "a".repeat(31) })).toThrow(/SERVICE_TOKEN must be at least 32 bytes/);
    expect(readEnv({ JWT_SECRET: "a".repeat(32) }).JWT_SECRET).toHaveLength(32);
    expect(readEnv({ JWT_SECRET: "€".repeat(11) }).JWT_SECRET).toHaveLength(11); // 33 bytes
  });

  test("BCRYPT_COST is at least 10", () => {
    expect(() => readEnv({ BCRYPT_COST: "9" })).toThrow(/BCRYPT_COST must be at least 10/);
    expect(readEnv({}).BCRYPT_COST).toBe(12);
  });
});

describe("password hashes", () => {
  test("are checked whatever their cost, and one made at another cost is due for a rehash", async () => {
    const [atTen, atEleven] = [10, 11].map((cost) => Passwords.start({ cost, threads: 1, queue: 4, maxWaitMs: 60_000 }));
    try {
      const oldHash = await atTen.hash("correct horse");
      expect(await atEleven.verify("correct horse", oldHash)).toBe(true);
      expect(await atEleven.verify("wrong horse", oldHash)).toBe(false);
      expect(await atEleven.verify("correct horse", undefined)).toBe(false);
      expect(atEleven.needsRehash(oldHash)).toBe(true);
      expect(atEleven.needsRehash(await atEleven.hash("correct horse"))).toBe(false);
    } finally {
      await Promise.all([atTen.close(), atEleven.close()]);
    }
  });
});
