import { cachedAccountLookup } from "../gateway/src/account-cache";
import type { Account } from "../gateway/src/context";

/**
 * `forget`: what the gateway does after a mutation that changed an account
 * (account-changes.ts), so that its next request is answered from the users
 * subgraph, not from what was kept. On a clock that never moves: within the TTL.
 */
describe("the gateway's account cache forgets a changed account", () => {
  const clock = { now: () => 1_000_000 };
  let accounts: Map<string, Account | null>;
  let asked: string[];
  let answerLater: (() => void)[];
  let held: boolean;
  const users = (userId: string) => {
    asked.push(userId);
    // What users says is read when it answers, as a real look-up would.
    const answer = () => Promise.resolve(accounts.get(userId) ?? null);
    if (!held) return answer();
    return new Promise<Account | null>((resolve) => answerLater.push(() => void answer().then(resolve)));
  };

  beforeEach(() => {
    accounts = new Map([
      ["1", { role: "admin", tokenVersion: 0 }],
      ["2", { role: "customer", tokenVersion: 0 }],
    ]);
    asked = [];
    answerLater = [];
    held = false;
  });

  test("after forget, the next request asks again and sees the change; other accounts stay kept", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 60, perf: clock });
    await findAccount("1");
    await findAccount("2");
    accounts.set("1", null); // closed or disabled: no account
    expect(await findAccount("1")).toEqual({ role: "admin", tokenVersion: 0 }); // still kept: nothing told the cache
    findAccount.forget("1");
    expect(await findAccount("1")).toBeNull();
    expect(await findAccount("2")).toEqual({ role: "customer", tokenVersion: 0 });
    expect(asked).toEqual(["1", "2", "1"]);
  });

  test("forgetting during a look-up: its waiters still get an answer, and the answer from before is not kept", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 60, perf: clock });
    held = true;
    const during = findAccount("1");
    accounts.set("1", { role: "customer", tokenVersion: 0 }); // demoted while the look-up ran
    findAccount.forget("1");
    held = false;
    // The request that was waiting is answered (asked again, without the cache), not failed.
    expect(await during).toEqual({ role: "customer", tokenVersion: 0 });
    answerLater.splice(0).forEach((answer) => answer()); // the aborted look-up ends late
    expect(await findAccount("1")).toEqual({ role: "customer", tokenVersion: 0 });
  });

  test("with no cache (TTL 0), forget is harmless and every request asks", async () => {
    const findAccount = cachedAccountLookup(users, { ttlSeconds: 0 });
    await findAccount("1");
    findAccount.forget("1");
    await findAccount("1");
    expect(asked).toEqual(["1", "1"]);
  });
});
