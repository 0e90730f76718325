import { GraphQLError } from "graphql";
import type { SubscriptionLimits } from "../../../lib/config";
import { ErrorCode } from "../../../lib/errors";

/**
 * How many operations a connection and a client address hold at once in this
 * gateway (SUBSCRIPTIONS_PER_CONNECTION, SUBSCRIPTIONS_PER_CLIENT): each one
 * holds a share of the gateway's memory and a query per event, so one client
 * cannot take them all. Counted in this process, like the in-flight limit of
 * expensive queries (in-flight.ts): a subscription lives in one process.
 */
export class SubscriptionSlots {
  private readonly perClient = new Map<string, number>();

  constructor(private readonly limits: Pick<SubscriptionLimits, "perConnection" | "perClient">) {}

  /** A slot (release it once, when the operation ends), or the TOO_MANY_REQUESTS error to answer. */
  take(clientAddress: string, heldOnConnection: number): (() => void) | GraphQLError {
    if (heldOnConnection >= this.limits.perConnection) {
      return tooMany(`At most ${this.limits.perConnection} subscriptions per connection; end one first`);
    }
    const held = this.perClient.get(clientAddress) ?? 0;
    if (held >= this.limits.perClient) return tooMany(`At most ${this.limits.perClient} subscriptions per client; end one first`);
    this.perClient.set(clientAddress, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perClient.get(clientAddress) ?? 1) - 1;
      if (left > 0) this.perClient.set(clientAddress, left);
      else this.perClient.delete(clientAddress);
    };
  }
}

const tooMany = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.TOO_MANY_REQUESTS } });
