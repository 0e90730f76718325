import { chromium, type Browser, type BrowserContext } from "playwright-core";

/**
 * Debian's Chromium (scripts/install-browser.sh), driven by playwright-core:
 * no browser is downloaded. Every request to anything but this machine is
 * aborted and remembered, so a test can fail when a page reaches for a CDN.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface OfflineBrowser {
  context: BrowserContext;
  /** URLs the pages tried to load from anywhere but localhost (all were aborted). */
  blockedRequests: string[];
  close(): Promise<void>;
}

export async function openOfflineBrowser(): Promise<OfflineBrowser> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const blockedRequests: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || ["data:", "blob:"].includes(url.protocol);
    if (local) return route.continue();
    blockedRequests.push(url.toString());
    return route.abort();
  });
  return { context, blockedRequests, close: () => browser.close() };
}
