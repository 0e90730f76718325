import { GraphQLClient } from "graphql-request";
import { BACKENDS } from "./support/databases";
import { graphqlError } from "./support/graphql-errors";
import { ADJUST_STOCK, CREATE_PRODUCT, PRODUCT, PRODUCTS, PRODUCTS_BY_TAGS, SEARCH_PRODUCTS } from "./support/operations";
import { SAMPLE_CATALOGUE } from "../scripts/seed-sample-catalogue";
import { usePlatform } from "./support/use-platform";

// Three products of the legacy sample catalogue; the mouse's price is sent as a JSON number, as REST clients do.
const [laptop, sampleMouse, keyboard] = SAMPLE_CATALOGUE;
const mouse = { ...sampleMouse, price: 29.99 };
const notebookBag = {
  name: "Notebook Bag",
  description: "Padded bag that fits laptops up to 15 inches",
  price: "39.50",
  stockQuantity: 10,
  category: "Accessories",
  tags: ["bag", "laptop"],
};

describe.each(BACKENDS)("products through the gateway (%s)", (backend) => {
  const platform = usePlatform(backend);
  let gql: GraphQLClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gql = platform.client();
    for (const product of [laptop, mouse, keyboard, notebookBag]) {
      const { createProduct } = await gql.request(CREATE_PRODUCT, { input: product });
      ids[product.name] = createProduct.id;
    }
  });

  test("a created product reads back exactly, money as exact decimal strings", async () => {
    const { product } = await gql.request(PRODUCT, { id: ids["Wireless Mouse"] });
    expect(product).toMatchObject({ ...mouse, price: "29.99", id: "2" });
    expect((await gql.request(PRODUCT, { id: "999" })).product).toBeNull();
  });

  test("impossible products are refused and nothing is stored", async () => {
    const negativePrice = await graphqlError(gql.request(CREATE_PRODUCT, { input: { ...mouse, name: "Bad", price: "-1.00" } }));
    expect(negativePrice).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/price/) });
    const negativeStock = await graphqlError(
      gql.request(CREATE_PRODUCT, { input: { ...mouse, name: "Bad", stockQuantity: -5 } }),
    );
    expect(negativeStock).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/stockQuantity/) });
    const blankName = await graphqlError(gql.request(CREATE_PRODUCT, { input: { ...mouse, name: "   " } }));
    expect(blankName).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/name/) });
    const fractionOfACent = await graphqlError(gql.request(CREATE_PRODUCT, { input: { ...mouse, name: "Bad", price: "1.001" } }));
    expect(fractionOfACent.code).toBe("BAD_USER_INPUT");
    const { products } = await gql.request(PRODUCTS, { first: 100 });
    expect(products.nodes.map((p) => p.name)).not.toContain("Bad");
  });

  test("search uses English stemming and ranks the best match first", async () => {
    const { searchProducts } = await gql.request(SEARCH_PRODUCTS, { query: "laptops" });
    expect(searchProducts.map((p) => p.name)).toEqual(["Laptop Pro 15", "Notebook Bag"]);
    expect((await gql.request(SEARCH_PRODUCTS, { query: "switch" })).searchProducts.map((p) => p.name)).toEqual([
      "Mechanical Keyboard",
    ]);
    expect((await gql.request(SEARCH_PRODUCTS, { query: "teapot" })).searchProducts).toEqual([]);
    expect((await graphqlError(gql.request(SEARCH_PRODUCTS, { query: "" }))).code).toBe("BAD_USER_INPUT");
  });

  test("tag search returns products carrying every given tag", async () => {
    const both = await gql.request(PRODUCTS_BY_TAGS, { tags: ["laptop", "computer"] });
    expect(both.productsByTags.map((p) => p.name)).toEqual(["Laptop Pro 15"]);
    const one = await gql.request(PRODUCTS_BY_TAGS, { tags: ["laptop"] });
    expect(one.productsByTags.map((p) => p.name)).toEqual(["Laptop Pro 15", "Notebook Bag"]);
    expect((await graphqlError(gql.request(PRODUCTS_BY_TAGS, { tags: [] }))).code).toBe("BAD_USER_INPUT");
  });

  test("the catalogue pages with a cursor and filters by category, tags and price", async () => {
    const first = await gql.request(PRODUCTS, { first: 3 });
    expect(first.products.nodes.map((p) => p.name)).toEqual(["Laptop Pro 15", "Wireless Mouse", "Mechanical Keyboard"]);
    expect(first.products.pageInfo.hasNextPage).toBe(true);
    const second = await gql.request(PRODUCTS, { first: 3, after: first.products.pageInfo.endCursor });
    expect(second.products.nodes.map((p) => p.name)).toEqual(["Notebook Bag"]);
    expect(second.products.pageInfo.hasNextPage).toBe(false);

    const cheapAccessories = await gql.request(PRODUCTS, { filter: { category: "Accessories", maxPrice: "50" } });
    expect(cheapAccessories.products.nodes.map((p) => p.name)).toEqual(["Wireless Mouse", "Notebook Bag"]);
    const pricey = await gql.request(PRODUCTS, { filter: { minPrice: 89.99, tags: ["rgb"] } });
    expect(pricey.products.nodes.map((p) => p.name)).toEqual(["Mechanical Keyboard"]);
    expect((await graphqlError(gql.request(PRODUCTS, { after: "not-a-cursor" }))).code).toBe("BAD_USER_INPUT");
    expect((await graphqlError(gql.request(PRODUCTS, { first: 0 }))).code).toBe("BAD_USER_INPUT");
  });

  test("stock moves by deltas and never below zero", async () => {
    const id = ids["Notebook Bag"];
    expect((await gql.request(ADJUST_STOCK, { id, delta: 5 })).adjustStock.stockQuantity).toBe(15);
    expect((await gql.request(ADJUST_STOCK, { id, delta: -15 })).adjustStock.stockQuantity).toBe(0);
    const belowZero = await graphqlError(gql.request(ADJUST_STOCK, { id, delta: -1 }));
    expect(belowZero).toMatchObject({ code: "OUT_OF_STOCK", message: `Insufficient stock for product ${id}` });
    expect((await gql.request(PRODUCT, { id })).product!.stockQuantity).toBe(0);
    expect(await graphqlError(gql.request(ADJUST_STOCK, { id: "999", delta: 1 }))).toMatchObject({
      code: "NOT_FOUND",
      message: "Product not found",
    });
  });

  test("concurrent stock removals never oversell", async () => {
    const id = ids["Mechanical Keyboard"]; // 100 in stock
    const attempts = await Promise.allSettled(Array.from({ length: 12 }, () => gql.request(ADJUST_STOCK, { id, delta: -10 })));
    expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(10);
    expect((await gql.request(PRODUCT, { id })).product!.stockQuantity).toBe(0);
  });

  test("stock reservation is not part of the public supergraph", async () => {
    const error = await graphqlError(
      gql.request(`mutation { releaseStock(reservationId: "00000000-0000-0000-0000-000000000000") }`),
    );
    expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  test("the products subgraph refuses stock reservations from callers without the service credential", async () => {
    const direct = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`);
    const reserve = `mutation { reserveStock(reservationId: "6f1c1a8e-8a5e-4f43-9d4f-1c1b2f3a4b5c", items: [{ productId: "1", quantity: 1 }]) { id } }`;
    expect(await graphqlError(direct.request(reserve))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    const wrongToken = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`, {
      headers: { "x-service-token": "guess", "x-principal": "service" },
    });
    expect(await graphqlError(wrongToken.request(reserve))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    // The gateway's credential alone does not make a caller a service: it acts for whom the gateway names.
    const asGateway = new GraphQLClient(`${platform.subgraphs.products.url}/graphql`, {
      headers: { "x-service-token": platform.secrets.serviceToken, "x-principal": "user:1:admin" },
    });
    expect(await graphqlError(asGateway.request(reserve))).toMatchObject({ code: "FORBIDDEN" });
    expect((await gql.request(PRODUCT, { id: "1" })).product!.stockQuantity).toBe(50);
  });
});
