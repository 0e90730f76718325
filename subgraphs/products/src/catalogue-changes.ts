import type { ProductCache } from "./product-cache";

/**
 * The one path every write to the catalogue or the stock takes (ProductService
 * and StockService alike): the write runs, names the products it touched, and
 * once it has settled (committed, or failed and rolled back) those products
 * and every catalogue page are invalidated in the read cache. Invalidating
 * after a failed write costs a cache miss and nothing else; invalidating
 * before the commit would let a reader cache the old row under the new version.
 */
export type Touch = (...productIds: number[]) => void;

export class CatalogueChanges {
  constructor(private readonly cache: ProductCache | undefined) {}

  async write<T>(work: (touch: Touch) => Promise<T>): Promise<T> {
    const touched = new Set<number>();
    try {
      return await work((...ids) => ids.forEach((id) => touched.add(id)));
    } finally {
      if (this.cache && touched.size) await this.cache.changed([...touched]);
    }
  }
}
