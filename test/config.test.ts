import { FETCH_BLOCKED_PORTS, readEnv } from "../lib/config";

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
