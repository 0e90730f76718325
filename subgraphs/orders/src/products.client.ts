import type { ServiceClient } from "../../shared/service-client";

/** What orders asks of the products subgraph, over its service-only operations. */
export interface ReservedLine {
  productId: string;
  quantity: number;
  unitPrice: string;
}

const RESERVE_STOCK = /* GraphQL */ `
  mutation ReserveStock($reservationId: ID!, $items: [StockLineInput!]!) {
    reserveStock(reservationId: $reservationId, items: $items) {
      lines {
        productId
        quantity
        unitPrice
      }
    }
  }
`;

const RELEASE_STOCK = /* GraphQL */ `
  mutation ReleaseStock($reservationId: ID!) {
    releaseStock(reservationId: $reservationId)
  }
`;

const CONFIRM_STOCK_RESERVATION = /* GraphQL */ `
  mutation ConfirmStockReservation($reservationId: ID!) {
    confirmStockReservation(reservationId: $reservationId)
  }
`;

const UNSETTLED_STOCK_RESERVATIONS = /* GraphQL */ `
  query UnsettledStockReservations($first: Int!, $after: ID) {
    unsettledStockReservations(first: $first, after: $after)
  }
`;

export class ProductsClient {
  constructor(private readonly service: ServiceClient) {}

  async reserveStock(reservationId: string, items: { productId: number; quantity: number }[]): Promise<ReservedLine[]> {
    const result = await this.service.request<{ reserveStock: { lines: ReservedLine[] } }>(RESERVE_STOCK, {
      reservationId,
      items: items.map((item) => ({ productId: String(item.productId), quantity: item.quantity })),
    });
    return result.reserveStock.lines;
  }

  async releaseStock(reservationId: string): Promise<boolean> {
    const result = await this.service.request<{ releaseStock: boolean }>(RELEASE_STOCK, { reservationId });
    return result.releaseStock;
  }

  async confirmStockReservation(reservationId: string): Promise<boolean> {
    const result = await this.service.request<{ confirmStockReservation: boolean }>(CONFIRM_STOCK_RESERVATION, { reservationId });
    return result.confirmStockReservation;
  }

  /** Reservations products still holds (neither confirmed nor released), in id order after `after`. */
  async unsettledStockReservations(first: number, after: string | null): Promise<string[]> {
    const result = await this.service.request<{ unsettledStockReservations: string[] }>(UNSETTLED_STOCK_RESERVATIONS, {
      first,
      after,
    });
    return result.unsettledStockReservations;
  }
}
