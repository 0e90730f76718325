import type { Counter } from "prom-client";
import DataLoader from "dataloader";
import { z } from "zod";
import { Prisma, type Role, type User } from "../../../prisma/users/generated/client/client";
import { signAccessToken } from "../../../lib/auth";
import { badInput, DomainError, ErrorCode } from "../../../lib/errors";
import { listSize, parseInput, searchText } from "../../shared/validation";
import { wordPrefixQuery } from "../../shared/search-text";
import type { UsersPrisma } from "./database";
import type { EmailFlows } from "./email-verification";
import type { LoginThrottle } from "./login-throttle";
import { PasswordSchema, type Passwords } from "./passwords";
import type { RefreshTokens } from "./refresh-tokens";

/** The users domain: accounts, credentials, tokens, look-ups and search. */

export const RegisterInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("must be a valid email address").max(255)),
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{3,50}$/, "must be 3 to 50 letters, digits, '.', '_' or '-'"),
  password: PasswordSchema,
  fullName: z
    .string()
    .trim()
    .max(255)
    .nullish()
    .transform((name) => name ?? ""),
});

export interface AuthPayload {
  token: string;
  refreshToken: string;
  user: User;
}

/** What UserService needs that lives as long as the subgraph (the database, hashing, throttling, tokens). */
export interface UserServiceDeps {
  prisma: UsersPrisma;
  passwords: Passwords;
  throttle: LoginThrottle;
  refreshTokens: RefreshTokens;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  /** Logins refused for a wrong email or password (a rise may be someone guessing). */
  loginsFailed: Counter;
  /** Creates accounts with their verification email (email-verification.ts). */
  emails: Pick<EmailFlows, "createAccount">;
}

const invalidCredentials = () => new DomainError(ErrorCode.UNAUTHENTICATED, "Invalid credentials");
/** Said only to someone who gave the right password (a closed account's email no longer matches anything). */
const accountDisabled = () => new DomainError(ErrorCode.FORBIDDEN, "This account is disabled");
const alreadyExists = () => new DomainError(ErrorCode.ALREADY_EXISTS, "User already exists");

/** Built per request, so its loader batches and caches within one request only. */
export class UserService {
  private readonly loader: DataLoader<number, User | null>;
  private readonly prisma: UsersPrisma;

  constructor(private readonly deps: UserServiceDeps) {
    this.prisma = deps.prisma;
    this.loader = createUserLoader(deps.prisma);
  }

  /** Batched: every lookup of one request (entity references included) is one query. */
  findById(id: number): Promise<User | null> {
    return this.loader.load(id);
  }

  /**
   * Everyone who registers is a customer; admins come from `npm run create-admin` (admin-accounts.ts).
   * A taken email or username is refused before the password is hashed, so that a flood of
   * registrations that cannot succeed costs a look-up each, not a bcrypt hash.
   */
  async register(input: unknown, role: Role = "customer"): Promise<User> {
    const { email, username, password, fullName } = parseInput(RegisterInput, input);
    const taken = await this.prisma.user.findFirst({ where: { OR: [{ email }, { username }] }, select: { id: true } });
    if (taken) throw alreadyExists();
    const passwordHash = await this.deps.passwords.hash(password);
    try {
      return await this.deps.emails.createAccount({ email, username, passwordHash, fullName, role });
    } catch (error) {
      // The unique indexes decide, so two concurrent registrations cannot both win.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw alreadyExists();
      throw error;
    }
  }

  /**
   * An unknown email and a wrong password take the same steps (one throttle
   * check, one look-up, one bcrypt comparison, one failure recorded) and give
   * the same answer.
   */
  async login(email: string, password: string, clientAddress: string | undefined): Promise<AuthPayload> {
    const account = email.trim().toLowerCase().slice(0, 255);
    await this.deps.throttle.assertAllowed(account, clientAddress);
    // No stored email holds a NUL byte (and PostgreSQL refuses one in text): no look-up, same answer.
    const user = account.includes("\0") ? null : await this.prisma.user.findUnique({ where: { email: account } });
    const matches = await this.deps.passwords.verify(password, user?.passwordHash);
    if (!user || !matches) {
      await this.deps.throttle.recordFailure(account, clientAddress);
      this.deps.loginsFailed.inc();
      throw invalidCredentials();
    }
    await this.deps.throttle.recordSuccess(account);
    if (user.status !== "active") throw accountDisabled();
    if (this.deps.passwords.needsRehash(user.passwordHash)) await this.rehash(user.id, password);
    return this.signIn(user, await this.deps.refreshTokens.issue(user.id));
  }

  /** The password was right: when the hashing threads are too busy to redo its hash, a later login does it. */
  private async rehash(userId: number, password: string): Promise<void> {
    try {
      await this.prisma.user.update({ where: { id: userId }, data: { passwordHash: await this.deps.passwords.hash(password) } });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === ErrorCode.TOO_MANY_REQUESTS)) throw error;
    }
  }

  /** A new access token and the next refresh token, for a refresh token used for the first time. */
  async refresh(refreshToken: string): Promise<AuthPayload> {
    const rotated = await this.deps.refreshTokens.rotate(refreshToken);
    const user = await this.findById(rotated.userId);
    // A disabled or closed account's tokens were revoked with the change; checked again in case one raced it.
    if (!user || user.status !== "active") throw new DomainError(ErrorCode.UNAUTHENTICATED, "Invalid or expired refresh token");
    return this.signIn(user, rotated.token);
  }

  logout(refreshToken: string): Promise<boolean> {
    return this.deps.refreshTokens.revoke(refreshToken);
  }

  /** A new session (a new refresh token family) for an account that just proved who it is (changePassword). */
  async startSession(user: User): Promise<AuthPayload> {
    return this.signIn(user, await this.deps.refreshTokens.issue(user.id));
  }

  private signIn(user: User, refreshToken: string): AuthPayload {
    const token = signAccessToken(
      { userId: String(user.id), role: user.role, tokenVersion: user.tokenVersion },
      this.deps.jwtSecret,
      this.deps.accessTokenTtlSeconds,
    );
    return { token, refreshToken, user };
  }

  /** Users whose email, username or full name contain words starting with the query's words. */
  async search(query: string, limit: number): Promise<User[]> {
    const tsQuery = wordPrefixQuery(searchText(query));
    if (!tsQuery) throw badInput("Search query must contain a letter or a digit");
    const take = listSize(limit, "limit");
    const ranked = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM users
      WHERE search_vector @@ to_tsquery('english', ${tsQuery})
      ORDER BY ts_rank(search_vector, to_tsquery('english', ${tsQuery})) DESC, id
      LIMIT ${take}`;
    return this.inOrder(ranked.map((row) => row.id));
  }

  private async inOrder(ids: number[]): Promise<User[]> {
    const users = await this.prisma.user.findMany({ where: { id: { in: ids } } });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id)).filter((user): user is User => user !== undefined);
  }
}

function createUserLoader(prisma: UsersPrisma): DataLoader<number, User | null> {
  return new DataLoader(async (ids) => {
    const users = await prisma.user.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
