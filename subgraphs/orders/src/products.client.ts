import { graphql } from "../../../lib/__generated__/products-subgraph";
import type { ReserveStockMutation } from "../../../lib/__generated__/products-subgraph/graphql";
import type { ServiceClient } from "../../../lib/service-client";

/** What orders asks of the products subgraph, over its service-only operations (typed against products' own schema). */
export type ReservedLine = ReserveStockMutation["reserveStock"]["lines"][number];

const RESERVE_STOCK = graphql(`
  mutation ReserveStock($reservationId: ID!, $items: [StockLineInput!]!) {
    reserveStock(reservationId: $reservationId, items: $items) {
      lines {
        productId
        quantity
        unitPrice
      }
    }
  }
`);

const RELEASE_STOCK = graphql(`
  mutation ReleaseStock($reservationId: ID!) {
    releaseStock(reservationId: $reservationId)
  }
`);

const CONFIRM_STOCK_RESERVATION = graphql(`
  mutation ConfirmStockReservation($reservationId: ID!) {
    confirmStockReservation(reservationId: $reservationId)
  }
`);

const UNSETTLED_STOCK_RESERVATIONS = graphql(`
  query UnsettledStockReservations($first: Int!, $after: ID) {
    unsettledStockReservations(first: $first, after: $after)
  }
`);

export class ProductsClient {
  constructor(private readonly service: ServiceClient) {}

  async reserveStock(reservationId: string, items: { productId: number; quantity: number }[]): Promise<ReservedLine[]> {
    const result = await this.service.request(RESERVE_STOCK, {
      reservationId,
      items: items.map((item) => ({ productId: String(item.productId), quantity: item.quantity })),
    });
    return result.reserveStock.lines;
  }

  async releaseStock(reservationId: string): Promise<boolean> {
    const result = await this.service.request(RELEASE_STOCK, { reservationId });
    return result.releaseStock;
  }

  async confirmStockReservation(reservationId: string): Promise<boolean> {
    const result = await this.service.request(CONFIRM_STOCK_RESERVATION, { reservationId });
    return result.confirmStockReservation;
  }

  /** Reservations products still holds (neither confirmed nor released), in id order after `after`. */
  async unsettledStockReservations(first: number, after: string | null): Promise<string[]> {
    const result = await this.service.request(UNSETTLED_STOCK_RESERVATIONS, {
      first,
      after,
    });
    return result.unsettledStockReservations;
  }
}
