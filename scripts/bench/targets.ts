// What the bench sends: its GraphQL documents and the request each load repeats (a "target").
import crypto from "node:crypto";
import { print, type DocumentNode } from "graphql";
import { gql } from "graphql-request";
import { encodePrincipal, PRINCIPAL_HEADER, SERVICE, SERVICE_TOKEN_HEADER } from "../../lib/request-identity";

/** One request repeated by a load. */
export interface LoadTarget {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Makes each request's body (for orders: which product); a fixed body otherwise. */
  nextBody?: () => string;
}

export const FEDERATED_ORDERS = gql`
  query BenchFederatedOrders($userId: ID!) {
    ordersByUser(userId: $userId) {
      id
      status
      totalAmount
      createdAt
      user {
        username
        email
      }
      items {
        quantity
        unitPrice
        product {
          name
          price
          category
        }
      }
    }
  }
`;

/** The same orders without the federated fields: what the orders subgraph answers alone. */
export const SUBGRAPH_ORDERS = gql`
  query BenchSubgraphOrders($userId: ID!) {
    ordersByUser(userId: $userId) {
      id
      status
      totalAmount
      createdAt
      items {
        quantity
        unitPrice
      }
    }
  }
`;

export const CREATE_ORDER = gql`
  mutation BenchCreateOrder($userId: ID!, $items: [OrderLineInput!]!) {
    createOrder(userId: $userId, items: $items) {
      id
    }
  }
`;

/** What the orders service sends to products to take an order's stock (subgraphs/orders/src/products.client.ts). */
const RESERVE_STOCK = gql`
  mutation BenchReserveStock($reservationId: ID!, $items: [StockLineInput!]!) {
    reserveStock(reservationId: $reservationId, items: $items) {
      lines {
        productId
        unitPrice
      }
    }
  }
`;

export function graphqlTarget(
  url: string,
  document: string | DocumentNode,
  variables: object,
  headers: Record<string, string> = {},
): LoadTarget {
  return {
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: typeof document === "string" ? document : print(document), variables }),
  };
}

export function getTarget(url: string): LoadTarget {
  return { url, method: "GET", headers: {} };
}

/** createOrder of one unit of `productId()` for `userId`, through the gateway. */
export function orderTarget(gatewayUrl: string, userId: string, productId: () => string): LoadTarget {
  return {
    url: gatewayUrl,
    method: "POST",
    headers: { "content-type": "application/json" },
    nextBody: () =>
      JSON.stringify({ query: CREATE_ORDER, variables: { userId, items: [{ productId: productId(), quantity: 1 }] } }),
  };
}

/** reserveStock of one unit, sent straight to the products subgraph as the orders service sends it. */
export function reserveStockTarget(productsUrl: string, serviceToken: string, productId: () => string): LoadTarget {
  return {
    url: productsUrl,
    method: "POST",
    headers: {
      "content-type": "application/json",
      [SERVICE_TOKEN_HEADER]: serviceToken,
      [PRINCIPAL_HEADER]: encodePrincipal(SERVICE),
    },
    nextBody: () =>
      JSON.stringify({
        query: RESERVE_STOCK,
        variables: { reservationId: crypto.randomUUID(), items: [{ productId: productId(), quantity: 1 }] },
      }),
  };
}
