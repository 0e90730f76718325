import { Prisma, type User } from "../../../prisma/users/generated/client/client";
import { DomainError, ErrorCode } from "../../../lib/errors";
import { parseInput } from "../../shared/validation";
import type { UsersPrisma } from "./database";
import type { Passwords } from "./passwords";
import { RegisterInput } from "./user.service";

/**
 * Making admins, for `npm run create-admin` (scripts/create-admin.ts), which
 * runs on the server beside the users database: there is no API for it, so
 * nobody can make themself an admin over the network, and no default admin.
 */
export interface AdminAccountInput {
  email: string;
  username: string;
  password: string;
}

/** Promotes the account with this email (keeping its password, enabling it if disabled), or creates an admin account. */
export async function createOrPromoteAdmin(
  prisma: UsersPrisma,
  passwords: Passwords,
  input: AdminAccountInput,
): Promise<{ user: User; created: boolean }> {
  const { email, username, password } = parseInput(RegisterInput, { ...input, fullName: null });
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) {
    const user = await prisma.user.update({ where: { id: existing.id }, data: { role: "admin", status: "active" } });
    return { user, created: false };
  }
  const passwordHash = await passwords.hash(password);
  try {
    const user = await prisma.user.create({ data: { email, username, passwordHash, role: "admin" } });
    return { user, created: true };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new DomainError(ErrorCode.ALREADY_EXISTS, `The username ${username} belongs to another account`);
    }
    throw error;
  }
}
