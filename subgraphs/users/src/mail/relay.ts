import fs from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailSettings } from "../../../../lib/config";
import type { Logger } from "../../../../lib/logger";
import type { ServiceMetrics } from "../../../../lib/observability/metrics";
import type { UsersPrisma } from "../database";

/** Emails claimed by one pass. */
const BATCH = 20;
/**
 * A claimed email is not picked again (by this relay or another replica's) for this long: longer than one
 * send can take (nodemailer's timeouts below), so only an email whose relay died mid-send is sent twice.
 */
const LEASE_SECONDS = 120;
const MAX_BACKOFF_SECONDS = 600;

interface OutboxRow {
  id: bigint;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
}

/**
 * The mail relay: sends the outbox's emails (outbox.ts) and deletes each once
 * the SMTP server has accepted it, so an email is never lost (at worst sent
 * twice, should the process die between the server's answer and the delete),
 * and its link's token is not kept in clear afterwards. A failed send is
 * retried after MAIL_RELAY_POLL_SECONDS, doubling per failure up to ten
 * minutes. Replicas share the outbox: a pass claims its rows by pushing their
 * next attempt past a lease (`FOR UPDATE SKIP LOCKED`), so two relays never
 * take the same row at once, and no transaction stays open while SMTP is
 * called. Kept small on purpose: emails need no order and no deduplication
 * (the order events' relay needs both, docs/events.md).
 *
 * Without SMTP_URL (the embedded default) each email is written to the log
 * and, as .eml and .html files, to DATA_DIR/mail/, for a developer to open.
 */
export class MailRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly transport: Transporter;
  private readonly sent;
  private readonly failed;

  constructor(
    private readonly prisma: UsersPrisma,
    private readonly settings: MailSettings,
    private readonly logger: Logger,
    metrics?: ServiceMetrics,
  ) {
    this.sent = metrics?.counter("shop_mail_sent_total", "Account emails handed to the SMTP server (or the mail folder)");
    this.failed = metrics?.counter("shop_mail_send_failures_total", "Account email sends that failed and wait for a retry");
    this.transport = settings.smtpUrl
      ? nodemailer.createTransport({
          url: settings.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        } as Parameters<typeof nodemailer.createTransport>[0])
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  }

  start(): void {
    if (!this.settings.smtpUrl) {
      this.logger.info(
        { directory: this.settings.directory },
        "SMTP_URL is not set: account emails go to the log and to this folder only",
      );
    }
    this.timer = setInterval(() => this.wake(), this.settings.pollSeconds * 1000);
    this.timer.unref();
    this.wake();
  }

  /** Sends what is due now (after a transaction that queued an email has committed). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.warn({ err: error }, "mail relay pass failed; the next one retries"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    this.transport.close();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const rows = await this.prisma.$queryRaw<OutboxRow[]>`
        UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
        WHERE id IN (
          SELECT id FROM mail_outbox WHERE next_attempt_at <= now() ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
        )
        RETURNING id, recipient, subject, text_body, html_body, attempts`;
      for (const row of rows) {
        if (this.stopped) return;
        await this.send(row);
      }
      if (rows.length < BATCH || this.stopped) return;
    }
  }

  private async send(row: OutboxRow): Promise<void> {
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: row.recipient,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
      });
      if (!this.settings.smtpUrl) await this.writeToFolder(row, info.message as Buffer);
    } catch (error) {
      const delay = Math.min(this.settings.pollSeconds * 2 ** row.attempts, MAX_BACKOFF_SECONDS);
      this.failed?.inc();
      this.logger.warn(
        { err: error, mailId: String(row.id), retryInSeconds: delay },
        "could not send an account email; it waits for a retry",
      );
      await this.prisma.$executeRaw`
        UPDATE mail_outbox SET attempts = attempts + 1, last_error = ${String(error).slice(0, 500)},
          next_attempt_at = now() + make_interval(secs => ${delay})
        WHERE id = ${row.id}`;
      return;
    }
    await this.prisma.mailOutbox.delete({ where: { id: row.id } });
    this.sent?.inc();
  }

  private async writeToFolder(row: OutboxRow, message: Buffer): Promise<void> {
    await fs.mkdir(this.settings.directory, { recursive: true });
    const base = path.join(this.settings.directory, `${new Date().toISOString().replace(/[:.]/g, "-")}-${row.id}`);
    await fs.writeFile(`${base}.eml`, message);
    await fs.writeFile(`${base}.html`, row.html_body);
    this.logger.info({ to: row.recipient, subject: row.subject, file: `${base}.html` }, `email (no SMTP_URL):\n${row.text_body}`);
  }
}
