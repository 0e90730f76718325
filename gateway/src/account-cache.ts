import { LRUCache, type Perf } from "lru-cache";
import type { Account, AccountLookup } from "./context";

/** Accounts remembered at once; an entry is a role, so this is a few MB at most. */
const MAX_ACCOUNTS = 50_000;

export interface AccountCacheOptions {
  /** ACCOUNT_CACHE_TTL_SECONDS: how old an account's role (or its absence) may be; 0 asks on every request. */
  ttlSeconds: number;
  /** The clock the TTL is measured on (lru-cache's own option); tests pass one they move. */
  perf?: Perf;
}

/**
 * Every signed-in request needs the account's current role. Asking the users
 * subgraph each time made every request wait on it, so a users subgraph busy
 * hashing passwords stalled the whole shop. The answer is kept for a few
 * seconds, and concurrent requests of one account share one look-up
 * (lru-cache's fetch). A failed look-up is not kept: the next request asks
 * again. The gateway that carries a change of an account's role or status
 * (setRole, disableAccount, closeAccount … : account-changes.ts) or the end of
 * its sessions (a password change or reset: users names the account in its
 * answer, subgraph-requests.ts) forgets its entry at once; other replicas see
 * the change within the TTL (docs/security.md).
 */
export type CachedAccountLookup = AccountLookup & {
  /** Drops what is kept for this account, so that its next request asks users again. */
  forget(userId: string): void;
};

export function cachedAccountLookup(lookup: AccountLookup, { ttlSeconds, perf }: AccountCacheOptions): CachedAccountLookup {
  if (ttlSeconds === 0) return Object.assign((userId: string) => lookup(userId), { forget: () => undefined });
  // lru-cache keeps no null: the entry says what users answered, an account or that there is none.
  const cache = new LRUCache<string, { account: Account | null }>({
    max: MAX_ACCOUNTS,
    ttl: ttlSeconds * 1000,
    perf,
    // Read the clock at each check rather than once a millisecond: cheap, and a test's clock is seen when it moves.
    ttlResolution: 0,
    // forget() aborts a look-up in flight: its waiters (requests as old as the change) get the value it replaced,
    // or, with none, undefined and ask again below; the aborted answer is never kept.
    allowStaleOnFetchAbort: true,
    fetchMethod: async (userId) => ({ account: await lookup(userId) }),
  });
  const cached = async (userId: string) => {
    const entry = await cache.fetch(userId);
    // undefined only when the entry was evicted or forgotten while its look-up ran: ask without the cache.
    return entry ? entry.account : lookup(userId);
  };
  return Object.assign(cached, { forget: (userId: string) => void cache.delete(userId) });
}
