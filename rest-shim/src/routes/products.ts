import { ErrorCode } from "../../../lib/errors";
import { ADJUST_STOCK, CREATE_PRODUCT, PRODUCT, PRODUCTS_BY_TAGS, SEARCH_PRODUCTS } from "../documents";
import { CreateProductBody, listQueryParam, pathParam, requiredQueryParam, StockBody } from "../request-shapes";
import { Message, Product, ProductCreated, Products } from "../response-shapes";
import { route, type Route } from "../routing";
import { graphqlId, restId, toCreateProductInput, toRestProduct } from "../translate";

/** The product service's endpoints, the same on port 8002 and on the legacy gateway port. */
export const productsRoutes: Route[] = [
  route({
    method: "POST",
    path: "/api/products",
    summary: "Create a product (GraphQL `createProduct`).",
    body: CreateProductBody,
    responses: {
      201: { description: "Created.", schema: ProductCreated },
      400: "Bad JSON, missing name, negative price or stock.",
      403: "AUTH_MODE=enforced and the caller is not an admin.",
    },
    async handle(_req, { gateway, body }) {
      const { createProduct } = await gateway.request(CREATE_PRODUCT, {
        input: toCreateProductInput(body),
      });
      return { status: 201, body: { message: "Product created successfully", product_id: restId(createProduct.id) } };
    },
  }),
  // The fixed paths come before `/:id`, which the legacy service got wrong.
  route({
    method: "GET",
    path: "/api/products/search",
    summary: "Full-text search over name and description, best first, at most 50 (GraphQL `searchProducts`).",
    query: { q: { description: "Words to look for.", required: true } },
    responses: {
      200: { description: "Matching products; [] when none.", schema: Products },
      400: "q missing or empty.",
    },
    async handle(req, { gateway }) {
      const query = requiredQueryParam(req, "q");
      const { searchProducts } = await gateway.request(SEARCH_PRODUCTS, { query });
      return { status: 200, body: searchProducts.map(toRestProduct) };
    },
  }),
  route({
    method: "GET",
    path: "/api/products/tags",
    summary: "Products carrying every given tag, at most 50 (GraphQL `productsByTags`).",
    query: {
      tags: { description: "Comma-separated tags.", required: false },
      tag: { description: "One tag (the older form); may repeat.", required: false },
    },
    responses: {
      200: { description: "Matching products; [] when none.", schema: Products },
      400: "No tag given.",
    },
    async handle(req, { gateway }) {
      // `?tags=a,b` as the README says, and `?tag=a` as the old code read.
      const tags = listQueryParam(req, "tags", "tag");
      const { productsByTags } = await gateway.request(PRODUCTS_BY_TAGS, { tags });
      return { status: 200, body: productsByTags.map(toRestProduct) };
    },
  }),
  route({
    method: "GET",
    path: "/api/products/:id",
    summary: "One product (GraphQL `product`).",
    pathParams: { id: "The product's id." },
    responses: {
      200: { description: "The product.", schema: Product },
      404: "Product not found.",
    },
    async handle(req, { gateway }) {
      const { product } = await gateway.request(PRODUCT, {
        id: graphqlId(pathParam(req, "id")),
      });
      if (!product) return { status: 404, body: { error: "Product not found" } };
      return { status: 200, body: toRestProduct(product) };
    },
  }),
  route({
    method: "PATCH",
    path: "/api/products/:id/stock",
    summary: "Add `quantity` (negative removes) to the stock (GraphQL `adjustStock`).",
    pathParams: { id: "The product's id." },
    body: StockBody,
    responses: {
      200: { description: "Updated.", schema: Message },
      400: "Bad JSON or a non-integer quantity.",
      403: "AUTH_MODE=enforced and the caller is not an admin.",
      404: "Product not found.",
      409: "The stock would go below zero.",
    },
    statusOverrides: { [ErrorCode.OUT_OF_STOCK]: 409 },
    async handle(req, { gateway, body: { quantity } }) {
      await gateway.request(ADJUST_STOCK, { id: graphqlId(pathParam(req, "id")), delta: quantity });
      return { status: 200, body: { message: "Stock updated successfully" } };
    },
  }),
];
