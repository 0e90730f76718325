import { forbidden } from "../../../lib/errors";
import { toIntId, toIntIdOrNull } from "../../shared/ids-and-text";
import { scalarResolvers } from "../../shared/scalars";
import type { Resolvers } from "./__generated__/resolvers-types";
import type { ProductsContext } from "./context";

/** Thin: read arguments, check who asks, hand over to ProductService / StockService. */

function requireService(context: ProductsContext): void {
  if (!context.isService) throw forbidden("This operation is only for the platform's services");
}

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    product: (_root, { id }, { products }) => products.findById(toIntId(id)),
    products: (_root, { filter, first, after }, { products }) => products.list(filter, first ?? 20, after),
    searchProducts: (_root, { query, limit }, { products }) => products.search(query, limit ?? 50),
    productsByTags: (_root, { tags, limit }, { products }) => products.byTags(tags, limit ?? 50),
    unsettledStockReservations: (_root, { first, after }, context) => {
      requireService(context);
      return context.stock.unsettled(first ?? 100, after);
    },
  },
  Mutation: {
    createProduct: (_root, { input }, { products }) => products.create(input),
    adjustStock: (_root, { id, delta }, { stock }) => stock.adjust(toIntId(id), delta),
    reserveStock: async (_root, { reservationId, items }, context) => {
      requireService(context);
      const lines = await context.stock.reserve({
        reservationId,
        items: items.map((item) => ({ ...item, productId: String(item.productId) })),
      });
      return { id: reservationId, lines };
    },
    confirmStockReservation: (_root, { reservationId }, context) => {
      requireService(context);
      return context.stock.confirm(reservationId);
    },
    releaseStock: (_root, { reservationId }, context) => {
      requireService(context);
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
