import type { MailSettings } from "../../../lib/config";
import { tooManyRequests } from "../../../lib/errors";
import { tryConsume, type RateLimiter, type RateLimiters } from "../../../lib/rate-limit";

/**
 * Limits on what sends account emails or tries emailed tokens, so that nobody
 * can flood an inbox or guess tokens: ACCOUNT_EMAILS_PER_WINDOW per client
 * address and per account (the email asked for, known or not, so the limit
 * reveals nothing) within LOGIN_THROTTLE_WINDOW_SECONDS, and as many failed
 * token uses per client address. Counted in Redis when the platform has it,
 * like the login throttle (login-throttle.ts).
 */
export class AccountEmailThrottle {
  private readonly perAddress: RateLimiter;
  private readonly perAccount: RateLimiter;
  private readonly badTokens: RateLimiter;

  constructor(settings: Pick<MailSettings, "emailsPerWindow" | "windowSeconds">, limiters: RateLimiters, keyPrefix: string) {
    const limit = (name: string) =>
      limiters.create({
        keyPrefix: `${keyPrefix}:${name}`,
        points: settings.emailsPerWindow,
        windowSeconds: settings.windowSeconds,
      });
    this.perAddress = limit("account-emails:address");
    this.perAccount = limit("account-emails:account");
    this.badTokens = limit("account-tokens:address");
  }

  /** One more email asked for from this client address: TOO_MANY_REQUESTS past the limit. */
  async countRequest(clientAddress: string | undefined): Promise<void> {
    if (!clientAddress) return;
    const verdict = await tryConsume(this.perAddress, clientAddress);
    if (!verdict.allowed) throw tooMany(verdict.retryAfterSeconds);
  }

  /**
   * One more email for this account (an email address or `user:<id>`). Answers whether it may be sent; callers
   * that must not reveal whether the account exists send nothing past the limit but answer as usual.
   */
  async mayEmail(account: string): Promise<boolean> {
    return (await tryConsume(this.perAccount, account)).allowed;
  }

  /** One more email for the signed-in owner of this account: TOO_MANY_REQUESTS past the limit (they know their account exists). */
  async assertMayEmail(account: string): Promise<void> {
    const verdict = await tryConsume(this.perAccount, account);
    if (!verdict.allowed) throw tooMany(verdict.retryAfterSeconds);
  }

  /** Before a token is tried: refused while this address has spent its failures. */
  async assertMayTryToken(clientAddress: string | undefined): Promise<void> {
    if (!clientAddress) return;
    const state = await this.badTokens.get(clientAddress);
    if (state && state.consumedPoints >= this.badTokens.points) throw tooMany(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
  }

  async recordBadToken(clientAddress: string | undefined): Promise<void> {
    if (clientAddress) await this.badTokens.consume(clientAddress).catch(() => undefined);
  }
}

const tooMany = (seconds: number) => tooManyRequests(`Too many requests; try again in ${seconds} seconds`, seconds);
