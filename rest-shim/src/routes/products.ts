import { ErrorCode } from "../../../lib/errors";
import { ADJUST_STOCK, CREATE_PRODUCT, PRODUCT, PRODUCTS_BY_TAGS, SEARCH_PRODUCTS } from "../documents";
import { CreateProductBody, listQueryParam, parseBody, pathParam, requiredQueryParam, StockBody } from "../request-shapes";
import type { Route } from "../routing";
import { graphqlId, restId, toCreateProductInput, toRestProduct } from "../translate";

/** The product service's endpoints, the same on port 8002 and on the gateway-style port. */
export const productsRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/products",
    async handle(req, { gateway }) {
      const body = parseBody(CreateProductBody, req);
      const { createProduct } = await gateway.request(CREATE_PRODUCT, {
        input: toCreateProductInput(body),
      });
      return { status: 201, body: { message: "Product created successfully", product_id: restId(createProduct.id) } };
    },
  },
  // The fixed paths come before `/:id`, which the legacy service got wrong.
  {
    method: "GET",
    path: "/api/products/search",
    async handle(req, { gateway }) {
      const query = requiredQueryParam(req, "q");
      const { searchProducts } = await gateway.request(SEARCH_PRODUCTS, { query });
      return { status: 200, body: searchProducts.map(toRestProduct) };
    },
  },
  {
    method: "GET",
    path: "/api/products/tags",
    async handle(req, { gateway }) {
      // `?tags=a,b` as the README says, and `?tag=a` as the old code read.
      const tags = listQueryParam(req, "tags", "tag");
      const { productsByTags } = await gateway.request(PRODUCTS_BY_TAGS, { tags });
      return { status: 200, body: productsByTags.map(toRestProduct) };
    },
  },
  {
    method: "GET",
    path: "/api/products/:id",
    async handle(req, { gateway }) {
      const { product } = await gateway.request(PRODUCT, {
        id: graphqlId(pathParam(req, "id")),
      });
      if (!product) return { status: 404, body: { error: "Product not found" } };
      return { status: 200, body: toRestProduct(product) };
    },
  },
  {
    method: "PATCH",
    path: "/api/products/:id/stock",
    statusOverrides: { [ErrorCode.OUT_OF_STOCK]: 409 },
    async handle(req, { gateway }) {
      const { quantity } = parseBody(StockBody, req);
      await gateway.request(ADJUST_STOCK, { id: graphqlId(pathParam(req, "id")), delta: quantity });
      return { status: 200, body: { message: "Stock updated successfully" } };
    },
  },
];
