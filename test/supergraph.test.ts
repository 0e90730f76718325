import fs from "node:fs";
import { buildSchema } from "graphql";
import { composeSupergraph, SUPERGRAPH_FILE } from "../gateway/src/supergraph";
import { printSupergraphApiSchema } from "./support/api-schema";

describe("the committed supergraph", () => {
  test("matches what the three subgraph schemas compose to (run `npm run compose-supergraph` after changing one)", () => {
    expect(fs.readFileSync(SUPERGRAPH_FILE, "utf8")).toBe(composeSupergraph());
  });

  test("exposes the public API and hides the service-only stock operations", () => {
    const api = buildSchema(printSupergraphApiSchema(fs.readFileSync(SUPERGRAPH_FILE, "utf8")));
    const mutations = Object.keys(api.getMutationType()!.getFields()).sort();
    expect(mutations).toEqual([
      "adjustStock",
      "archiveProduct",
      "changePassword",
      "closeAccount",
      "closeMyAccount",
      "createOrder",
      "createProduct",
      "disableAccount",
      "enableAccount",
      "login",
      "logout",
      "refreshToken",
      "register",
      "requestEmailChange",
      "requestPasswordReset",
      "resendVerificationEmail",
      "resetPassword",
      "setRole",
      "signUp",
      "updateOrderStatus",
      "updateProduct",
      "updateProfile",
      "verifyEmail",
    ]);
    expect(api.getType("StockReservation")).toBeUndefined();
    expect(Object.keys(api.getQueryType()!.getFields()).sort()).toEqual([
      "accountExport",
      "me",
      "order",
      "ordersByUser",
      "product",
      "products",
      "productsByTags",
      "searchProducts",
      "searchUsers",
      "user",
    ]);
    expect(Object.keys((api.getType("User") as any).getFields())).toContain("orders");
  });
});
