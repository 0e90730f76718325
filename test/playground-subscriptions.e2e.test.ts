import type { Page } from "playwright-core";
import { openOfflineBrowser, type OfflineBrowser } from "./support/browser";
import { createProduct, moveOrder, placeOrder, registerUser } from "./support/fixtures";
import { until } from "./support/until";
import { usePlatform } from "./support/use-platform";

// The README's subscription tab in the playground, in a real browser with no internet: it shows an order's move
// made meanwhile through the API. The page does not depend on the database backend: one run on PGlite.
describe("a subscription in the playground, offline in Chromium", () => {
  const platform = usePlatform("pglite");
  let browser: OfflineBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await openOfflineBrowser();
    page = await browser.context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("the OrderUpdated tab receives an order's move made through the API", async () => {
    const gql = platform.client();
    const userId = await registerUser(gql, "grace");
    const productId = await createProduct(gql, { name: "Analytical engine", price: "99.00", stockQuantity: 1000 });
    const placeOne = () => placeOrder(gql, userId, [{ productId, quantity: 1 }]);

    const schemaLoaded = page.waitForResponse(
      (response) => response.request().postData()?.includes("IntrospectionQuery") ?? false,
    );
    await page.goto(platform.gatewayUrl);
    await schemaLoaded;
    await page.locator(".graphiql-tab-button", { hasText: /^OrderUpdated$/ }).click();
    await page.locator(".graphiql-query-editor", { hasText: /subscription OrderUpdated / }).waitFor();
    await page.locator(".graphiql-execute-button").click();
    const response = page.locator(".graphiql-response");

    // The gateway follows the orders' events from its first subscriber on: live once one of these orders shows.
    const placed: string[] = [];
    await until(
      async () => {
        const text = await response.innerText();
        if (placed.some((id) => text.includes(`"id": "${id}"`))) return true;
        placed.push(await placeOne());
        return false;
      },
      20_000,
      300,
    );

    const order = await placeOne();
    await response.getByText(`"id": "${order}"`).waitFor();
    await moveOrder(gql, order, "PROCESSING");
    await until(async () => {
      const text = await response.innerText();
      return text.includes(`"id": "${order}"`) && text.includes('"status": "PROCESSING"');
    });
    const shown = await response.innerText();
    expect(shown).toContain('"username": "grace"'); // from the users subgraph
    expect(shown).toContain('"name": "Analytical engine"'); // from the products subgraph
    expect(browser.blockedRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
