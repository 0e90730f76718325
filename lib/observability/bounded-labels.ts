/**
 * Label values from a bounded set (Prometheus: "Do not use labels to store
 * dimensions with high cardinality"; every distinct value is a series kept in
 * memory and written on every scrape). The known values always get their own
 * label; up to `maxOthers` more get one first come, first served; anything
 * after that is counted as `other`. The set never forgets, so a label once
 * given stays the same for the life of the process.
 */
export const OTHER_LABEL = "other";

export class BoundedLabels {
  private readonly admitted = new Set<string>();

  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly maxOthers: number,
  ) {}

  labelOf(value: string): string {
    if (this.known.has(value) || this.admitted.has(value)) return value;
    if (this.admitted.size >= this.maxOthers) return OTHER_LABEL;
    this.admitted.add(value);
    return value;
  }
}
