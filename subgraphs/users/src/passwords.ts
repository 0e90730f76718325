import bcrypt from "bcryptjs";
import { z } from "zod";

/**
 * Password hashing with bcrypt at the configured cost. bcrypt only reads the
 * first 72 bytes, so longer passwords are refused rather than silently cut.
 */
export const MIN_PASSWORD_BYTES = 8;
export const MAX_PASSWORD_BYTES = 72;

const byteLength = (text: string) => Buffer.byteLength(text, "utf8");

export const PasswordSchema = z
  .string()
  .refine((password) => byteLength(password) >= MIN_PASSWORD_BYTES, `must be at least ${MIN_PASSWORD_BYTES} bytes`)
  .refine((password) => byteLength(password) <= MAX_PASSWORD_BYTES, `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`);

export class Passwords {
  private constructor(
    private readonly cost: number,
    /** Compared against when there is no account, so that an unknown email costs the same time as a wrong password. */
    private readonly dummyHash: string,
  ) {}

  /**
   * The dummy is a well-formed bcrypt hash at the configured cost that no password
   * produces: comparing against it takes exactly as long as against a real one, and
   * it costs nothing to make (hashing one at start-up cost half a second of CPU).
   */
  static withCost(cost: number): Passwords {
    const dummyHash = `$2b$${String(cost).padStart(2, "0")}$Qx7pF2kLm9Rt4Vw8Yz1Bc.Dh3Gj6Np0Sq5Uv/Xa2Ce4Fg7Hi9Kl1M`;
    return new Passwords(cost, dummyHash);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /**
   * A hash made at another cost (accounts from before BCRYPT_COST changed):
   * rehashed at the next successful login, so that a wrong password costs the
   * same time as an unknown email for that account too.
   */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) !== this.cost;
  }

  /** Exactly one bcrypt comparison whatever the input, so the answer's timing says nothing about the account. */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const usable = hash !== undefined && byteLength(password) <= MAX_PASSWORD_BYTES;
    const matches = await bcrypt.compare(password, usable ? hash : this.dummyHash);
    return usable && matches;
  }
}
