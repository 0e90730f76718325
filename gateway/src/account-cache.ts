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
 * again. A role change or a deletion bites within the TTL, on every replica.
 * Ending an account's sessions (a password change or reset) bites at once on
 * the gateway that carried it: users names the account in its answer and
 * `forget` drops the entry (subgraph-requests.ts); other replicas see the new
 * token version within the TTL (docs/security.md, "Account emails").
 */
export function cachedAccountLookup(lookup: AccountLookup, { ttlSeconds, perf }: AccountCacheOptions): AccountLookup {
  if (ttlSeconds === 0) return lookup;
  // lru-cache keeps no null: the entry says what users answered, an account or that there is none.
  const cache = new LRUCache<string, { account: Account | null }>({
    max: MAX_ACCOUNTS,
    ttl: ttlSeconds * 1000,
    perf,
    // Read the clock at each check rather than once a millisecond: cheap, and a test's clock is seen when it moves.
    ttlResolution: 0,
    fetchMethod: async (userId) => ({ account: await lookup(userId) }),
  });
  const cached: AccountLookup = async (userId) => {
    const entry = await cache.fetch(userId);
    // undefined only when the entry was evicted while its look-up ran: ask without the cache.
    return entry ? entry.account : lookup(userId);
  };
  cached.forget = (userId) => void cache.delete(userId);
  return cached;
}
