import fs from "node:fs";
import path from "node:path";
import { apolloTelemetryEnabled, databaseConfigFor, ENV_VARIABLES, FETCH_BLOCKED_PORTS, readEnv } from "../lib/config";
import { ENV_EXAMPLE_PATH, renderEnvExample } from "../scripts/env-example";

describe("configuration: ports fetch cannot call are refused when read", () => {
  test("each port on the list is one that Node's fetch refuses", async () => {
    for (const port of FETCH_BLOCKED_PORTS) {
      const failure = await fetch(`http://127.0.0.1:${port}/`).then(
        () => undefined,
        (error: Error) => error,
      );
      expect({ port, cause: String((failure?.cause as Error | undefined)?.message) }).toEqual({ port, cause: "bad port" });
    }
  });

  test("a service port or URL on a blocked port stops the start with a message naming the variable", () => {
    expect(() => readEnv({ REST_USERS_PORT: "6000" })).toThrow(/REST_USERS_PORT: 6000 is a port that fetch refuses to call/);
    expect(() => readEnv({ GATEWAY_PORT: "6667" })).toThrow(/GATEWAY_PORT: 6667/);
    expect(() => readEnv({ ORDERS_URL: "http://orders:6000/graphql" })).toThrow(/ORDERS_URL: 6000 is a port/);
    expect(readEnv({ REST_USERS_PORT: "6001", ORDERS_URL: "http://orders:6001/graphql" })).toMatchObject({
      REST_USERS_PORT: 6001,
      ORDERS_URL: "http://orders:6001/graphql",
    });
  });
});

describe("configuration", () => {
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
      poolSize: 10,
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

  test("a password check's wait for a thread must end before the gateway's wait for the subgraph", () => {
    expect(readEnv({ BCRYPT_MAX_WAIT_MS: "9999" }).BCRYPT_MAX_WAIT_MS).toBe(9999);
    expect(() => readEnv({ BCRYPT_MAX_WAIT_MS: "10000" })).toThrow(
      "BCRYPT_MAX_WAIT_MS: must be below SUBGRAPH_TIMEOUT_MS (10000), the gateway's wait for the users subgraph",
    );
    expect(readEnv({ BCRYPT_MAX_WAIT_MS: "20000", SUBGRAPH_TIMEOUT_MS: "30000" }).BCRYPT_MAX_WAIT_MS).toBe(20000);
  });
});

describe("configuration: .env.example", () => {
  test("lists every setting of lib/config.ts with its default, as `npm run env:example` writes it", () => {
    const written = fs.readFileSync(ENV_EXAMPLE_PATH, "utf8");
    expect(written).toBe(renderEnvExample());
    for (const name of ENV_VARIABLES) expect(written).toMatch(new RegExp(`^# ${name}=`, "m"));
    expect(written).toMatch(/^# GATEWAY_PORT=4000$/m);
    expect(written).toMatch(/^# BCRYPT_COST=12$/m);
  });
});

describe("configuration: Apollo's usage figures", () => {
  test("are off unless APOLLO_TELEMETRY_DISABLED says false or 0, Apollo's own spellings both ways", () => {
    const enabled = (value?: string) =>
      apolloTelemetryEnabled(readEnv(value === undefined ? {} : { APOLLO_TELEMETRY_DISABLED: value }));
    expect([undefined, "true", "1", "false", "0"].map(enabled)).toEqual([false, false, false, true, true]);
    expect(() => readEnv({ APOLLO_TELEMETRY_DISABLED: "yes" })).toThrow(/APOLLO_TELEMETRY_DISABLED/);
  });
});
