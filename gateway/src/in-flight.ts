/**
 * How many operations each client has in flight in this process, up to a
 * limit. Kept in memory, not in Redis like the rate limits: what it protects
 * is this gateway process's own event loop and memory, and a count that
 * outlived a crashed process would refuse its client for ever.
 */
export class InFlightPerClient {
  private readonly counts = new Map<string, number>();

  constructor(private readonly perClient: number) {}

  /** Counts one more for `client` and says true, or says false when it already has `perClient`. */
  tryEnter(client: string): boolean {
    const count = this.counts.get(client) ?? 0;
    if (count >= this.perClient) return false;
    this.counts.set(client, count + 1);
    return true;
  }

  leave(client: string): void {
    const count = (this.counts.get(client) ?? 0) - 1;
    // Nothing kept for a client with none in flight: the map holds only the clients being served.
    if (count > 0) this.counts.set(client, count);
    else this.counts.delete(client);
  }
}
