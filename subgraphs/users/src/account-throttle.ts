import { tooManyRequests } from "../../../lib/errors";
import { tryConsume, type RateLimiter, type RateLimiters } from "../../../lib/rate-limit";

/**
 * Account changes (profile edits, closing, admin actions, data exports) counted
 * per signed-in caller, ACCOUNT_CHANGES_PER_HOUR an hour, with the platform's
 * limiter (lib/rate-limit.ts: shared in Redis when there is one). Beyond it:
 * TOO_MANY_REQUESTS with `retryAfterSeconds`. It also bounds password guesses
 * through `closeMyAccount`.
 */
export class AccountChangeThrottle {
  private readonly limiter: RateLimiter;

  constructor(perHour: number, limiters: RateLimiters, keyPrefix = "account-changes") {
    this.limiter = limiters.create({ keyPrefix, points: perHour, windowSeconds: 3600 });
  }

  async count(callerId: number): Promise<void> {
    const verdict = await tryConsume(this.limiter, String(callerId));
    if (!verdict.allowed) {
      throw tooManyRequests(
        `Too many account changes; try again in ${verdict.retryAfterSeconds} seconds`,
        verdict.retryAfterSeconds,
      );
    }
  }
}
