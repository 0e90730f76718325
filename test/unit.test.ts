import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kind } from "graphql";
import { readEnv, databaseConfigFor } from "../lib/config";
import { createLogger } from "../lib/logger";
import { resolveSecrets } from "../lib/secrets";
import { signAccessToken, verifyAccessToken } from "../lib/auth";
import {
  assertStatusMove,
  nextStatuses,
  pendingStepOf,
  PLACEMENT_MOVES,
  STOCK_MOVES,
} from "../subgraphs/orders/src/order-lifecycle";
import { toIntId, wordPrefixQuery } from "../subgraphs/shared/ids-and-text";
import { MoneyScalar } from "../subgraphs/shared/scalars";

const logger = createLogger("test", "silent");

describe("order lifecycle", () => {
  test.each([
    ["pending", "processing"],
    ["pending", "shipped"],
    ["pending", "cancelled"],
    ["processing", "shipped"],
    ["processing", "cancelled"],
    ["shipped", "delivered"],
  ] as const)("%s → %s is allowed", (from, to) => {
    expect(() => assertStatusMove(from, to)).not.toThrow();
  });

  test.each([
    ["shipped", "cancelled"],
    ["delivered", "pending"],
    ["cancelled", "processing"],
    ["processing", "pending"],
    ["pending", "delivered"],
  ] as const)("%s → %s is refused with ILLEGAL_STATUS_MOVE", (from, to) => {
    expect(() => assertStatusMove(from, to)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: "ILLEGAL_STATUS_MOVE" }) }),
    );
  });
});

describe("order state machine", () => {
  test("a move to the status an order has is allowed (moves are idempotent); final statuses allow nothing else", () => {
    expect(() => assertStatusMove("cancelled", "cancelled")).not.toThrow();
    expect(nextStatuses("pending")).toEqual(["processing", "shipped", "cancelled"]);
    expect(nextStatuses("delivered")).toEqual([]);
    expect(nextStatuses("cancelled")).toEqual([]);
  });

  test("stock and placement states only go forward, and end in a final state", () => {
    for (const moves of [STOCK_MOVES, PLACEMENT_MOVES] as Record<string, readonly string[]>[]) {
      const finals = Object.keys(moves).filter((state) => moves[state].length === 0);
      expect(finals.length).toBeGreaterThan(0);
      // No cycles: following moves from any state always reaches a final one.
      const reachesFinal = (state: string, seen: string[] = []): boolean =>
        !seen.includes(state) &&
        (moves[state].length === 0 || moves[state].every((next) => reachesFinal(next, [...seen, state])));
      expect(Object.keys(moves).every((state) => reachesFinal(state))).toBe(true);
    }
  });

  test("a client sees a pending step exactly while the stock step is unsettled", () => {
    expect(pendingStepOf("reserved")).toBe("CONFIRM_STOCK");
    expect(pendingStepOf("release_pending")).toBe("RELEASE_STOCK");
    expect(pendingStepOf("confirmed")).toBeNull();
    expect(pendingStepOf("released")).toBeNull();
  });
});

describe("search text", () => {
  test("keeps letters and digits only, each word a prefix", () => {
    expect(wordPrefixQuery("John D.")).toBe("john:* & d:*");
    expect(wordPrefixQuery("a':* | !b & (c)")).toBe("a:* & b:* & c:*");
    expect(wordPrefixQuery(" --- ")).toBeNull();
  });
});

describe("ids", () => {
  test("accept positive integers, refuse anything else as bad input", () => {
    expect(toIntId("42")).toBe(42);
    for (const bad of ["abc", "-1", "1.5", "99999999999", ""]) {
      expect(() => toIntId(bad)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) }),
      );
    }
  });
});

describe("Money scalar", () => {
  test("reads strings and numbers exactly and writes two fraction digits", () => {
    expect(MoneyScalar.serialize(MoneyScalar.parseValue(299.99))).toBe("299.99");
    expect(MoneyScalar.serialize(MoneyScalar.parseValue("0.1"))).toBe("0.10");
    expect(MoneyScalar.serialize(MoneyScalar.parseLiteral({ kind: Kind.INT, value: "5" }))).toBe("5.00");
  });
  test("refuses more than two fraction digits and non-numbers", () => {
    for (const bad of ["1.001", "abc", "", "1e3", true]) expect(() => MoneyScalar.parseValue(bad)).toThrow(/Money/);
  });
});

describe("configuration and secrets", () => {
  test("defaults match the documented ports and embedded data", () => {
    const env = readEnv({});
    expect([env.GATEWAY_PORT, env.USERS_PORT, env.PRODUCTS_PORT, env.ORDERS_PORT]).toEqual([4000, 4001, 4002, 4003]);
    expect([env.REST_GATEWAY_PORT, env.REST_USERS_PORT, env.REST_PRODUCTS_PORT, env.REST_ORDERS_PORT]).toEqual([
      8000, 8001, 8002, 8003,
    ]);
    expect(databaseConfigFor("users", env)).toEqual({ kind: "pglite", dataDir: path.resolve(".data/users") });
    expect(databaseConfigFor("orders", readEnv({ ORDERS_DATABASE_URL: "postgresql://db:5432/orders" }))).toEqual({
      kind: "postgres",
      url: "postgresql://db:5432/orders",
    });
  });

  test("bad values are named", () => {
    expect(() => readEnv({ USERS_PORT: "http" })).toThrow(/USERS_PORT/);
    expect(() => readEnv({ JWT_SECRET: "short" })).toThrow(/JWT_SECRET/);
    // Keys are kept at least a day, as the API promises.
    expect(() => readEnv({ ORDERS_IDEMPOTENCY_RETENTION_HOURS: "12" })).toThrow(/ORDERS_IDEMPOTENCY_RETENTION_HOURS/);
  });

  test("timeouts: a service call gives up before the gateway does, so the caller hears the service's own answer", () => {
    const env = readEnv({});
    expect(env.SERVICE_CALL_TIMEOUT_MS).toBeLessThan(env.SUBGRAPH_TIMEOUT_MS);
    expect(env.ORDERS_RECOVERY_INTERVAL_SECONDS).toBe(30);
  });

  test("production refuses to start without secrets", () => {
    expect(() => resolveSecrets(readEnv({ NODE_ENV: "production" }), logger)).toThrow(/JWT_SECRET and SERVICE_TOKEN/);
    const given = { JWT_SECRET: "a".repeat(32), SERVICE_TOKEN: "b".repeat(32) };
    expect(resolveSecrets(readEnv({ NODE_ENV: "production", ...given }), logger)).toEqual({
      jwtSecret: given.JWT_SECRET,
      serviceToken: given.SERVICE_TOKEN,
    });
  });

  test("development generates secrets once, keeps them with the data and reuses them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-"));
    const first = resolveSecrets(readEnv({ DATA_DIR: dir }), logger);
    expect(first.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveSecrets(readEnv({ DATA_DIR: dir }), logger)).toEqual(first);
    expect((fs.statSync(path.join(dir, "secrets.json")).mode & 0o777).toString(8)).toBe("600");
    fs.rmSync(dir, { recursive: true });
  });

  test("tokens verify with their secret only", () => {
    const token = signAccessToken({ userId: "7", role: "customer" }, "secret-one-secret-one", 60);
    expect(verifyAccessToken(token, "secret-one-secret-one")).toEqual({ userId: "7", role: "customer" });
    expect(verifyAccessToken(token, "another-secret-value")).toBeNull();
    expect(verifyAccessToken("garbage", "secret-one-secret-one")).toBeNull();
  });
});
