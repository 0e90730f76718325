import { toIntId, toIntIdOrNull } from "../../shared/ids";
import { scalarResolvers } from "../../../lib/scalars";
import type { Resolvers } from "./__generated__/resolvers-types";
import { productPolicy } from "./product.policy";

/** Thin: read arguments, ask product.policy.ts who may, hand over to ProductService / StockService. */

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    product: (_root, { id }, { products }) => products.findById(toIntId(id)),
    products: (_root, { filter, first, after }, { products }) => products.list(filter, first ?? 20, after),
    searchProducts: (_root, { query, limit }, { products }) => products.search(query, limit ?? 50),
    productsByTags: (_root, { tags, limit }, { products }) => products.byTags(tags, limit ?? 50),
    unsettledStockReservations: (_root, { first, after }, context) => {
      productPolicy.assertMayReserveStock(context);
      return context.stock.unsettled(first ?? 100, after);
    },
  },
  Mutation: {
    createProduct: (_root, { input }, context) => {
      productPolicy.assertMayEditCatalogue(context);
      return context.products.create(input);
    },
    updateProduct: (_root, { id, input }, context) => {
      productPolicy.assertMayEditCatalogue(context);
      return context.products.update(toIntId(id), input);
    },
    archiveProduct: (_root, { id }, context) => {
      productPolicy.assertMayEditCatalogue(context);
      return context.products.archive(toIntId(id));
    },
    adjustStock: (_root, { id, delta }, context) => {
      productPolicy.assertMayAdjustStock(context);
      return context.stock.adjust(toIntId(id), delta);
    },
    reserveStock: async (_root, { reservationId, items }, context) => {
      productPolicy.assertMayReserveStock(context);
      const lines = await context.stock.reserve({
        reservationId,
        items: items.map((item) => ({ ...item, productId: String(item.productId) })),
      });
      return { id: reservationId, lines };
    },
    confirmStockReservation: (_root, { reservationId }, context) => {
      productPolicy.assertMayReserveStock(context);
      return context.stock.confirm(reservationId);
    },
    releaseStock: (_root, { reservationId }, context) => {
      productPolicy.assertMayReserveStock(context);
      return context.stock.release(reservationId);
    },
  },
  Product: {
    __resolveReference: (reference, { products }) => {
      const id = toIntIdOrNull(reference.id);
      return id === null ? null : products.findById(id);
    },
  },
};
