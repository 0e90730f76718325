import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

/**
 * Without SMTP_URL (the embedded default) account emails are written to
 * DATA_DIR/mail/ for a developer to open. Only where they go differs from the
 * SMTP case (account-emails.e2e.test.ts runs the flows on both backends), so
 * one backend is enough here.
 */
describe("account emails without SMTP_URL", () => {
  // The data folder a developer would give: made as the platform starts, removed once it has stopped.
  let dataDir: string | undefined;
  const platform = usePlatform("pglite", () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-mail-folder-"));
    return { env: { DATA_DIR: dataDir, PUBLIC_URL: "http://localhost:4000" } };
  });
  afterAll(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("each email is written to DATA_DIR/mail as .eml and .html, with a link a developer can open", async () => {
    const input = { email: "dev@example.com", username: "dev", password: "correct horse" };
    await platform.client().request(`mutation ($input: RegisterInput!) { signUp(input: $input) }`, { input });
    const folder = path.join(dataDir!, "mail");
    const files = () => (fs.existsSync(folder) ? fs.readdirSync(folder).sort() : []);
    await until(async () => files().length === 2);
    const [eml, html] = files().map((file) => path.join(folder, file));
    expect(eml).toMatch(/\.eml$/);
    expect(fs.readFileSync(eml, "utf8")).toMatch(/^To: dev@example\.com$/m);
    const page = fs.readFileSync(html, "utf8");
    const token = /token: <code>([A-Za-z0-9_-]{43})<\/code>/.exec(page)?.[1];
    expect(page).toContain(`<a href="http://localhost:4000/account/verify-email?token=${token}">`);
    // The link's token works, and the outbox keeps nothing once the email is out.
    await platform.client().request(`mutation ($t: String!) { verifyEmail(token: $t) }`, { t: token });
    expect(await platform.subgraphs.users.database.prisma.mailOutbox.count()).toBe(0);
  });
});
