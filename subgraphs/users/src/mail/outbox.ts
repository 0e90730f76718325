import type { Prisma } from "../../../../prisma/users/generated/client/client";
import type { MailContent } from "./templates";

/** A Prisma transaction client of the users database (or the client itself, for a single write). */
export type UsersWriter = Prisma.TransactionClient;

/**
 * Queues an email: call it inside the transaction that makes the change the
 * email is about, so that both are written or neither. The relay (relay.ts)
 * sends it after the commit; the caller wakes it.
 */
export async function enqueueMail(tx: UsersWriter, recipient: string, content: MailContent): Promise<void> {
  await tx.mailOutbox.create({ data: { recipient, subject: content.subject, textBody: content.text, htmlBody: content.html } });
}
