import type { ProductCache } from "./product-cache";

/**
 * The one path every write to the catalogue or the stock takes (ProductService
 * and StockService alike). The products it will change, and every catalogue
 * page, are invalidated in the read cache before the write and again once it
 * has settled (committed, or failed and rolled back), together with any
 * product the write names only as it runs (`touch`: a new product, a released
 * reservation's lines).
 *
 * After: a reader that read the row before the commit stored it under a
 * version nobody asks for any more. Before: should this process die between
 * the commit and the invalidation after it, what was cached before the write
 * is already out of reach, so a stale price or stock figure is not served for
 * the entries' lifetime. Invalidating after a failed write costs a cache miss
 * and nothing else.
 */
export type Touch = (...productIds: number[]) => void;

export class CatalogueChanges {
  constructor(private readonly cache: ProductCache | undefined) {}

  async write<T>(productIds: readonly number[], work: (touch: Touch) => Promise<T>): Promise<T> {
    if (!this.cache) return work(() => undefined);
    await this.cache.changed(productIds);
    const touched = new Set(productIds);
    try {
      return await work((...ids) => ids.forEach((id) => touched.add(id)));
    } finally {
      await this.cache.changed([...touched]);
    }
  }
}
