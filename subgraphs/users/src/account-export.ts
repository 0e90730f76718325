import type { User } from "../../../prisma/users/generated/client/client";
import { notFound } from "../../../lib/errors";
import type { UsersPrisma } from "./database";

/** What `accountExport` answers from this service; the gateway adds the orders (User.orders, orders subgraph). */
export interface AccountExportRecord {
  exportedAt: Date;
  user: User;
  signIns: { startedAt: Date; expiresAt: Date; revokedAt: Date | null }[];
}

/** Everything the users database holds about one account: its row (no password hash) and its sign-ins. */
export async function exportAccount(prisma: UsersPrisma, userId: number): Promise<AccountExportRecord> {
  const user = await prisma.user.findUnique({ where: { id: userId }, include: { refreshTokens: true } });
  if (!user) throw notFound("User not found");
  const { refreshTokens, ...profile } = user;
  // One sign-in per token family: a login and the refresh tokens that followed it.
  const families = new Map<string, AccountExportRecord["signIns"][number]>();
  for (const token of refreshTokens) {
    const family = families.get(token.familyId);
    if (!family) {
      families.set(token.familyId, { startedAt: token.createdAt, expiresAt: token.expiresAt, revokedAt: token.revokedAt });
      continue;
    }
    if (token.createdAt < family.startedAt) family.startedAt = token.createdAt;
    if (token.expiresAt > family.expiresAt) family.expiresAt = token.expiresAt;
    family.revokedAt ??= token.revokedAt;
  }
  const signIns = [...families.values()].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  return { exportedAt: new Date(), user: profile, signIns };
}
