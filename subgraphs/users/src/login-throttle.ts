import type { SecuritySettings } from "../../../lib/config";
import { tooManyRequests } from "../../../lib/errors";
import { retryAfterSeconds, type RateLimiter, type RateLimiters } from "../../../lib/rate-limit";

/**
 * Failed logins counted per account (the email asked for, known or not, so
 * the throttle reveals nothing) and per client address. Past either limit,
 * login answers TOO_MANY_REQUESTS, even with the right password, until the
 * window has passed. A successful login clears its account's count.
 */
export class LoginThrottle {
  private readonly perAccount: RateLimiter;
  private readonly perAddress: RateLimiter;

  constructor(settings: SecuritySettings["loginThrottle"], limiters: RateLimiters, keyPrefix = "login-failures") {
    const windowSeconds = settings.windowSeconds;
    this.perAccount = limiters.create({
      keyPrefix: `${keyPrefix}:account`,
      points: settings.failuresPerAccount,
      windowSeconds,
    });
    this.perAddress = limiters.create({
      keyPrefix: `${keyPrefix}:address`,
      points: settings.failuresPerAddress,
      windowSeconds,
    });
  }

  async assertAllowed(account: string, address: string | undefined): Promise<void> {
    const [byAccount, byAddress] = await Promise.all([
      this.perAccount.get(account),
      address ? this.perAddress.get(address) : null,
    ]);
    const exhausted = [
      byAccount && byAccount.consumedPoints >= this.perAccount.points ? byAccount : null,
      byAddress && byAddress.consumedPoints >= this.perAddress.points ? byAddress : null,
    ].filter((result) => result !== null);
    if (exhausted.length === 0) return;
    const wait = Math.max(...exhausted.map(retryAfterSeconds));
    throw tooManyRequests(`Too many failed logins; try again in ${wait} seconds`, wait);
  }

  async recordFailure(account: string, address: string | undefined): Promise<void> {
    // consume() rejects once the limit is passed; assertAllowed answers for that on the next attempt.
    await Promise.all([
      this.perAccount.consume(account).catch(() => undefined),
      address ? this.perAddress.consume(address).catch(() => undefined) : undefined,
    ]);
  }

  async recordSuccess(account: string): Promise<void> {
    await this.perAccount.delete(account);
  }
}
