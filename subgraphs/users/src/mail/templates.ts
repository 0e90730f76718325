/**
 * The account emails: each a subject, a plain-text body and a simple HTML body
 * saying the same, with links built from PUBLIC_URL. The shop's front end serves
 * the pages those links open; each also names its token, so that it can be
 * pasted into the playground (`resetPassword`, `verifyEmail`).
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** A link to a page of the shop, carrying a token. */
export function accountLink(publicUrl: string, page: "reset-password" | "verify-email", token: string): string {
  const url = new URL(`/account/${page}`, publicUrl);
  url.searchParams.set("token", token);
  return url.toString();
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);

/** Paragraphs (and at most one link) as text and as HTML. */
function compose(subject: string, paragraphs: string[], link?: { url: string; label: string; token: string }): MailContent {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`, `(token: ${link.token})`] : [])].join("\n\n");
  const html = [
    `<!doctype html><html><body style="font-family: sans-serif">`,
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
          `<p style="color: #666">token: <code>${escapeHtml(link.token)}</code></p>`,
        ]
      : []),
    `</body></html>`,
  ].join("\n");
  return { subject, text: `${text}\n`, html };
}

const hours = (seconds: number) =>
  seconds >= 7200 ? `${Math.round(seconds / 3600)} hours` : `${Math.round(seconds / 60)} minutes`;

export const templates = {
  verifyEmail: (publicUrl: string, token: string, ttlSeconds: number): MailContent =>
    compose(
      "Confirm your email address",
      [
        "Please confirm that this address is yours by opening the link below.",
        `The link works once, within ${hours(ttlSeconds)}. If you did not ask for this, ignore this email.`,
      ],
      { url: accountLink(publicUrl, "verify-email", token), label: "Confirm this address", token },
    ),

  passwordReset: (publicUrl: string, token: string, ttlSeconds: number): MailContent =>
    compose(
      "Reset your password",
      [
        "Someone (hopefully you) asked to reset the password of your account.",
        `The link below works once, within ${hours(ttlSeconds)}, and signs every session out. If you did not ask for this, ignore this email: your password stays as it is.`,
      ],
      { url: accountLink(publicUrl, "reset-password", token), label: "Choose a new password", token },
    ),

  passwordChanged: (): MailContent =>
    compose("Your password was changed", [
      "The password of your account was just changed, and every session was signed out.",
      "If this was not you, reset your password now and tell us.",
    ]),

  emailChangeRequested: (newEmail: string): MailContent =>
    compose("Your email address is being changed", [
      `Someone signed in to your account asked to change its email address to ${newEmail}.`,
      "The change takes effect once that address is confirmed. If this was not you, change your password now.",
    ]),

  addressInUse: (): MailContent =>
    compose("Someone tried to move another account to your address", [
      "Someone signed in to another account asked to change its email address to this one, which already has an account of its own. Nothing was changed.",
      "You need not do anything.",
    ]),

  alreadyRegistered: (publicUrl: string): MailContent =>
    compose("Someone tried to register with your address", [
      "Someone tried to create a new account with this email address, which already has one. No account was created.",
      `If it was you, sign in instead, or reset your password at ${new URL("/account/reset-password", publicUrl).toString()}.`,
    ]),
};
