import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { until } from "./until";

/** One email as the SMTP server received it. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  /** The whole message as sent (headers and MIME parts). */
  raw: string;
  /** The plain-text and HTML parts, decoded. */
  text: string;
  html: string;
  /** The token of the email's link, if it has one. */
  token?: string;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package), that
 * keeps every email it accepts: the platform's relay sends to it over SMTP as
 * it would to Mailpit or a provider. No TLS and no login, like Mailpit's.
 */
export interface SmtpInbox {
  port: number;
  url: string;
  messages: ReceivedMail[];
  /** Waits for an email to this address (and matching `subject`), and answers it. */
  next(to: string, subject?: RegExp): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8").replace(/\r\n/g, "\n");
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const text = partOf(raw, "text/plain");
        messages.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          from,
          subject: /^Subject: (.*)$/m.exec(raw)?.[1] ?? "",
          raw,
          text,
          html: partOf(raw, "text/html"),
          token: /token: ([A-Za-z0-9_-]{43})/.exec(text)?.[1],
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const taken = new Set<ReceivedMail>();
  const find = (to: string, subject?: RegExp) =>
    messages.find((mail) => !taken.has(mail) && mail.to.includes(to) && (!subject || subject.test(mail.subject)));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async next(to, subject) {
      await until(async () => find(to, subject) !== undefined, 30_000, 50);
      const mail = find(to, subject)!;
      taken.add(mail);
      return mail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A MIME part of nodemailer's multipart/alternative, quoted-printable decoded (enough for the platform's own emails). */
function partOf(raw: string, type: string): string {
  const match = new RegExp(`Content-Type: ${type}[^\\n]*\\n(?:[^\\n]+\\n)*\\n([\\s\\S]*?)(?:\\n--|$)`).exec(raw);
  if (!match) return "";
  const escaped = match[1].replace(/=\n/g, "").replace(/%/g, "%25");
  return decodeURIComponent(escaped.replace(/=([0-9A-F]{2})/g, (_all, hex: string) => `%${hex}`));
}
