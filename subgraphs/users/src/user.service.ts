import bcrypt from "bcryptjs";
import type { Counter } from "prom-client";
import DataLoader from "dataloader";
import { z } from "zod";
import { Prisma, type User } from "../../../prisma/users/generated/client/client";
import { signUserToken } from "../../../lib/auth";
import { badInput, DomainError, ErrorCode } from "../../../lib/errors";
import { parseInput } from "../../shared/validation";
import { wordPrefixQuery } from "../../shared/ids-and-text";
import type { UsersPrisma } from "./database";

/** The users domain: accounts, credentials, look-ups and search. */

const BCRYPT_ROUNDS = 10;
// Compared against when the email is unknown, so that a wrong email and a
// wrong password take the same time and give the same answer.
const DUMMY_HASH = bcrypt.hashSync("no such user", BCRYPT_ROUNDS);

const RegisterInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("must be a valid email address").max(255)),
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{3,50}$/, "must be 3 to 50 letters, digits, '.', '_' or '-'"),
  password: z.string().min(8, "must be at least 8 characters").max(72, "must be at most 72 characters"),
  fullName: z
    .string()
    .trim()
    .max(255)
    .nullish()
    .transform((name) => name ?? ""),
});

/** Built per request, so its loader batches and caches within one request only. */
export class UserService {
  private readonly loader: DataLoader<number, User | null>;

  constructor(
    private readonly prisma: UsersPrisma,
    private readonly jwtSecret: string,
    /** Logins refused for a wrong email or password (a rise may be someone guessing). */
    private readonly loginsFailed: Counter,
  ) {
    this.loader = createUserLoader(prisma);
  }

  /** Batched: every lookup of one request (entity references included) is one query. */
  findById(id: number): Promise<User | null> {
    return this.loader.load(id);
  }

  async register(input: unknown): Promise<User> {
    const { email, username, password, fullName } = parseInput(RegisterInput, input);
    const passwordHash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    try {
      return await this.prisma.user.create({ data: { email, username, passwordHash, fullName } });
    } catch (error) {
      // The unique indexes decide, so two concurrent registrations cannot both win.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new DomainError(ErrorCode.ALREADY_EXISTS, "User already exists");
      }
      throw error;
    }
  }

  async login(email: string, password: string): Promise<{ token: string; user: User }> {
    const user = await this.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    const matches = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !matches) {
      this.loginsFailed.inc();
      throw new DomainError(ErrorCode.UNAUTHENTICATED, "Invalid credentials");
    }
    return { token: signUserToken({ userId: String(user.id), email: user.email }, this.jwtSecret), user };
  }

  /** Users whose email, username or full name contain words starting with the query's words. */
  async search(query: string, limit: number): Promise<User[]> {
    const tsQuery = wordPrefixQuery(query);
    if (!tsQuery) throw badInput("Search query must contain a letter or a digit");
    const take = Math.min(Math.max(limit, 1), 100);
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
