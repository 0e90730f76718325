import { cachedAccountLookup } from "../gateway/src/account-cache";
import type { Account } from "../gateway/src/context";

/**
 * The gateway's short-lived memory of accounts (what the users subgraph said
 * about a token's account), on a clock the test moves: no real waiting.
 */
describe("the gateway's account cache", () => {
  let now: number;
  const clock = { now: () => now };
  let accounts: Map<string, Account>;
  let asked: string[];
  let answerLater: (() => void)[];
  let failing: boolean;

  /** The users subgraph: answers once released, or at once when not held. */
  let held: boolean;
  const users = (userId: string) => {
    asked.push(userId);
    const answer = () =>
      failing ? Promise.reject(new Error("users subgraph unreachable")) : Promise.resolve(accounts.get(userId) ?? null);
    if (!held) return answer();
    return new Promise<Account | null>((resolve, reject) => answerLater.push(() => void answer().then(resolve, reject)));
  };
  const release = () => answerLater.splice(0).forEach((answer) => answer());

  beforeEach(() => {
    now = 1_000_000;
    accounts = new Map([
      ["1", { role: "customer", tokenVersion: 0 }],
      ["2", { role: "admin", tokenVersion: 0 }],
    ]);
    asked = [];
    answerLater = [];
    failing = false;
    held = false;
  });

  test("concurrent requests of one account share one look-up; another account gets its own", async () => {
    held = true;
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 5, perf: clock });
    const pending = [findAccount("1"), findAccount("1"), findAccount("1"), findAccount("2")];
    expect(asked).toEqual(["1", "2"]);
    release();
    expect(await Promise.all(pending)).toEqual([
      { role: "customer", tokenVersion: 0 },
      { role: "customer", tokenVersion: 0 },
      { role: "customer", tokenVersion: 0 },
      { role: "admin", tokenVersion: 0 },
    ]);
  });

  test("an answer is kept for the TTL: a demotion or a deletion is seen once it has passed", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 5, perf: clock });
    expect(await findAccount("2")).toEqual({ role: "admin", tokenVersion: 0 });
    accounts.set("2", { role: "customer", tokenVersion: 0 });
    accounts.delete("1");
    now += 4_999;
    expect(await findAccount("2")).toEqual({ role: "admin", tokenVersion: 0 });
    expect(asked).toEqual(["2"]);
    now += 2;
    expect(await findAccount("2")).toEqual({ role: "customer", tokenVersion: 0 });
    expect(await findAccount("1")).toBeNull();
    expect(asked).toEqual(["2", "2", "1"]);
  });

  test("an account that does not exist is remembered as such for the TTL", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 5, perf: clock });
    expect(await findAccount("99")).toBeNull();
    expect(await findAccount("99")).toBeNull();
    expect(asked).toEqual(["99"]);
  });

  test("a failed look-up fails every request that waited on it, and is not kept: the next request asks again", async () => {
    held = true;
    failing = true;
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 5, perf: clock });
    const pending = [findAccount("1"), findAccount("1")].map((lookup) => lookup.catch((error: Error) => error.message));
    release();
    expect(await Promise.all(pending)).toEqual(["users subgraph unreachable", "users subgraph unreachable"]);
    held = false;
    failing = false;
    expect(await findAccount("1")).toEqual({ role: "customer", tokenVersion: 0 });
    expect(asked).toEqual(["1", "1"]);
  });

  test("once an entry has expired, a failing users subgraph fails the request rather than answering the old role", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 5, perf: clock });
    expect(await findAccount("2")).toEqual({ role: "admin", tokenVersion: 0 });
    now += 5_001;
    failing = true;
    await expect(findAccount("2")).rejects.toThrow("users subgraph unreachable");
  });

  test("a TTL of 0 asks on every request", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 0, perf: clock });
    await findAccount("1");
    await findAccount("1");
    expect(asked).toEqual(["1", "1"]);
  });
});
