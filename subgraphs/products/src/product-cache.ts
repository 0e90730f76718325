import crypto from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import type { Counter } from "prom-client";
import { Prisma, type Product } from "../../../prisma/products/generated/client/client";
import {
  dependencyBreaker,
  isCircuitOpen,
  isClosed,
  isTrialUnderway,
  type BreakerSettings,
  type DependencyBreaker,
} from "../../../lib/circuit-breaker";
import type { Logger } from "../../../lib/logger";
import type { ServiceMetrics } from "../../../lib/observability/metrics";

/**
 * The read cache of the catalogue in Redis (docs/caching.md): products by id
 * and catalogue pages, shared by every replica of this service.
 *
 * Invalidation is by version, never by deleting entries. Each product has a
 * version counter and the catalogue as a whole has one; every write INCRs them
 * before it runs and after it has committed (CatalogueChanges, the one path
 * every write takes), and entries are keyed by the version read *before* the database was read. A
 * reader that read the database before a write committed therefore stores
 * what it read under the old version, which nobody asks for any more; a
 * reader that sees the new version read the database after the commit.
 *
 * What is cached is what every caller sees alike: reading the catalogue is
 * public (product.policy.ts), a product has no field only some callers may
 * see, and archived products are found by id and left out of pages for
 * everyone. Stock reservations and their prices never read from here.
 *
 * Redis failing means "no cache": the error is logged once per outage and the
 * request reads the database. A Redis that is slow rather than down would
 * make every call wait for the connection's command timeout first, so calls
 * go through a circuit breaker (lib/circuit-breaker.ts): after a failure
 * (`breaker.failureThreshold` in a row) the cache is skipped outright, and
 * reads go straight to the database, until the cooldown has passed; then one
 * read tries Redis again and its outcome closes the circuit or reopens it.
 *
 * Invalidations are the exception: they are *sent* whatever the circuit's
 * state, and only waited for while it is closed (see `changed`).
 */
export interface ProductCacheSettings {
  redis: Redis;
  /** REDIS_KEY_PREFIX: every key starts with it. */
  keyPrefix: string;
  /** Entries expire after this, which bounds the life of one whose invalidation was lost while Redis was away. */
  ttlSeconds: number;
  /** When Redis is skipped after failures, and for how long (CIRCUIT_BREAKER_COOLDOWN_MS). */
  breaker: BreakerSettings;
  logger: Logger;
  metrics: ServiceMetrics;
}

/** Versions read before the database: each miss is stored under the one read for it (null: not cacheable now). */
export interface ProductLookup {
  found: Map<number, Product>;
  versions: Map<number, string>;
}

export class ProductCache {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly lookups: Counter<"result">;
  private failing = false;
  /** Open while Redis is known to be failing: its calls are then not made (circuit_breaker_state{dependency="redis"}). */
  readonly breaker: DependencyBreaker;

  constructor(private readonly settings: ProductCacheSettings) {
    this.redis = settings.redis;
    this.prefix = `${settings.keyPrefix}:products`;
    // Every error of a Redis call counts: a timeout, a lost connection, a refused command.
    this.breaker = dependencyBreaker(settings.breaker, () => true);
    this.lookups = settings.metrics.counter(
      "shop_products_cache_lookups_total",
      "Product and catalogue-page reads by cache result: hit, miss, or bypass (Redis failing, or skipped while its circuit is open)",
      ["result"],
    );
  }

  /** Cached products among `ids`, and the version of each, to store the rest under once read. */
  async lookup(ids: readonly number[]): Promise<ProductLookup> {
    const empty: ProductLookup = { found: new Map(), versions: new Map() };
    const versions = await this.attempt(() => this.versionsOf(ids.map((id) => this.productVersionKey(id))));
    if (!versions) return this.count("bypass", ids.length, empty);
    const known = ids.flatMap((id, i) => (versions[i] === null ? [] : [{ id, version: versions[i]! }]));
    const entries = known.length
      ? await this.attempt(() => this.redis.mget(known.map((k) => this.productKey(k.id, k.version))))
      : [];
    if (!entries) return this.count("bypass", ids.length, empty);
    const found = new Map<number, Product>();
    known.forEach(({ id }, i) => {
      const entry = entries[i];
      if (entry) found.set(id, reviveProduct(JSON.parse(entry)));
    });
    this.lookups.inc({ result: "hit" }, found.size);
    this.lookups.inc({ result: "miss" }, ids.length - found.size);
    return { found, versions: new Map(known.map(({ id, version }) => [id, version])) };
  }

  /** Stores products read from the database under the versions `lookup` read before that read. */
  async store(products: readonly Product[], versions: Map<number, string>): Promise<void> {
    const storable = products.filter((product) => versions.has(product.id));
    if (storable.length === 0) return;
    const batch = this.redis.multi();
    for (const product of storable) {
      batch.set(this.productKey(product.id, versions.get(product.id)!), JSON.stringify(product), "EX", this.settings.ttlSeconds);
    }
    await this.attempt(() => batch.exec());
  }

  /**
   * A catalogue page: served from the cache when stored under the current
   * catalogue version, otherwise read by `read` and stored under the version
   * seen before reading.
   */
  async page<Page extends { nodes: Product[] }>(query: unknown, read: () => Promise<Page>): Promise<Page> {
    const [version] = (await this.attempt(() => this.versionsOf([this.catalogueVersionKey]))) ?? [null];
    if (!version) {
      this.lookups.inc({ result: "bypass" });
      return read();
    }
    const key = `${this.prefix}:page:${version}:${crypto.createHash("sha256").update(JSON.stringify(query)).digest("base64url")}`;
    const entry = await this.attempt(() => this.redis.get(key));
    if (entry) {
      this.lookups.inc({ result: "hit" });
      const page = JSON.parse(entry) as Page;
      return { ...page, nodes: page.nodes.map(reviveProduct) };
    }
    this.lookups.inc({ result: entry === null ? "miss" : "bypass" });
    const page = await read();
    if (entry === null) await this.attempt(() => this.redis.set(key, JSON.stringify(page), "EX", this.settings.ttlSeconds));
    return page;
  }

  /**
   * These products, and every catalogue page, change now (before a write) or
   * have changed (after it).
   *
   * The INCRs are sent to Redis even while the circuit is open; only waiting
   * for the answer is skipped then (and while a trial call is out). Skipping
   * them outright would be worse than timing out: a Redis that is slow, not
   * down, still applies an INCR that timed out here, so today's "wait 500 ms,
   * then proceed" does invalidate. An INCR never sent leaves the entries of
   * before the write under a version that is still current, and once Redis
   * answers again the first read after the cooldown would serve them, stale,
   * for up to the TTL. Sent on the one connection the reads share, every
   * INCR is applied before the trial read that closes the circuit, so that
   * read and all after it see the write. A Redis that is really unreachable
   * refuses the command at once (no offline queue): that invalidation is
   * lost, as it always was, and the TTL bounds what it leaves behind.
   */
  async changed(productIds: readonly number[]): Promise<void> {
    const batch = this.redis.multi();
    for (const key of [...productIds.map((id) => this.productVersionKey(id)), this.catalogueVersionKey]) {
      // An absent version (evicted, expired) must not restart at a number entries may still be stored under.
      this.seedVersion(batch, key);
      batch.incr(key);
    }
    const sent = batch.exec();
    // Without Redis nothing stale can be served now; should it come back with old entries, their TTL bounds them.
    const lost = () =>
      this.settings.logger.warn({ productIds }, "could not invalidate the products cache; cached entries expire by their TTL");
    if (!isClosed(this.breaker)) {
      sent.catch(lost);
      return;
    }
    if (!(await this.attempt(() => sent))) lost();
  }

  /** The current versions; an absent one is seeded (seedVersion) and is not cacheable until the next read. */
  private async versionsOf(keys: string[]): Promise<(string | null)[]> {
    const versions = await this.redis.mget(keys);
    const absent = keys.filter((_key, i) => versions[i] === null);
    if (absent.length) {
      const batch = this.redis.multi();
      for (const key of absent) this.seedVersion(batch, key);
      await batch.exec();
    }
    return versions;
  }

  /**
   * A version starts at a random number, never one entries may be stored
   * under (a new Redis, an evicted or expired key), wherever it is first
   * needed: by a reader or by a write. It expires with the entries' TTL, so
   * that reads of ids that do not exist leave nothing behind for long; an
   * expired one simply starts again elsewhere, and what was stored under the
   * old one is never found again.
   */
  private seedVersion(batch: ChainableCommander, key: string): void {
    batch.set(key, String(crypto.randomInt(2 ** 47)), "EX", this.settings.ttlSeconds, "NX");
  }

  private get catalogueVersionKey(): string {
    return `${this.prefix}:catalogue-version`;
  }

  private productVersionKey(id: number): string {
    return `${this.prefix}:version:${id}`;
  }

  private productKey(id: number, version: string): string {
    return `${this.prefix}:product:${id}:${version}`;
  }

  private count(result: "bypass", n: number, lookup: ProductLookup): ProductLookup {
    this.lookups.inc({ result }, n);
    return lookup;
  }

  /**
   * Runs a Redis call through the circuit; on failure logs (once until Redis
   * answers again) and answers undefined: "bypass the cache". While the
   * circuit is open the call is not made and the answer is undefined at once;
   * while a trial call is out, the others do not wait for its outcome either.
   */
  private async attempt<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (isTrialUnderway(this.breaker)) return undefined;
    try {
      const result = await this.breaker.execute(call);
      if (this.failing) this.settings.logger.info("the products cache answers again");
      this.failing = false;
      return result;
    } catch (error) {
      if (isCircuitOpen(error)) return undefined;
      if (!this.failing)
        this.settings.logger.warn(
          { err: error, skippedForMs: this.settings.breaker.cooldownMs },
          "the products cache is unavailable; reading the database, without asking Redis until a trial call after the cooldown",
        );
      this.failing = true;
      return undefined;
    }
  }
}

/** JSON gave strings for the price and the dates: back to what Prisma returns. */
function reviveProduct(stored: Record<string, unknown>): Product {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    ...(stored as unknown as Product),
    price: new Prisma.Decimal(stored.price as string),
    createdAt: date(stored.createdAt)!,
    updatedAt: date(stored.updatedAt)!,
    archivedAt: date(stored.archivedAt),
  };
}
