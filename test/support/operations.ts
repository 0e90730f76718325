import { graphql } from "../../lib/__generated__/public-api-tests";

/** The GraphQL documents the end-to-end tests share, typed against the public API (codegen.ts). */

export const USER_FIELDS = graphql(`
  fragment UserFields on User {
    id
    email
    username
    fullName
    createdAt
    updatedAt
  }
`);

export const REGISTER = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...UserFields
    }
  }
`);

export const LOGIN = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        ...UserFields
      }
    }
  }
`);

export const ME = graphql(`
  query Me {
    me {
      ...UserFields
    }
  }
`);

export const USER = graphql(`
  query User($id: ID!) {
    user(id: $id) {
      ...UserFields
    }
  }
`);

export const SEARCH_USERS = graphql(`
  query SearchUsers($query: String!) {
    searchUsers(query: $query) {
      id
      username
    }
  }
`);

export const PRODUCT_FIELDS = graphql(`
  fragment ProductFields on Product {
    id
    name
    description
    price
    stockQuantity
    category
    tags
    createdAt
    updatedAt
  }
`);

export const CREATE_PRODUCT = graphql(`
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      ...ProductFields
    }
  }
`);

export const PRODUCT = graphql(`
  query Product($id: ID!) {
    product(id: $id) {
      ...ProductFields
    }
  }
`);

export const PRODUCTS = graphql(`
  query Products($filter: ProductFilter, $first: Int, $after: String) {
    products(filter: $filter, first: $first, after: $after) {
      nodes {
        id
        name
        price
        category
        tags
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

export const SEARCH_PRODUCTS = graphql(`
  query SearchProducts($query: String!) {
    searchProducts(query: $query) {
      id
      name
    }
  }
`);

export const PRODUCTS_BY_TAGS = graphql(`
  query ProductsByTags($tags: [String!]!) {
    productsByTags(tags: $tags) {
      id
      name
      tags
    }
  }
`);

export const ADJUST_STOCK = graphql(`
  mutation AdjustStock($id: ID!, $delta: Int!) {
    adjustStock(id: $id, delta: $delta) {
      id
      stockQuantity
    }
  }
`);

export const ORDER_FIELDS = graphql(`
  fragment OrderFields on Order {
    id
    status
    totalAmount
    pendingStep
    createdAt
    updatedAt
    user {
      id
    }
    items {
      id
      quantity
      unitPrice
      product {
        id
      }
    }
  }
`);

export const CREATE_ORDER = graphql(`
  mutation CreateOrder($userId: ID!, $items: [OrderLineInput!]!, $idempotencyKey: String) {
    createOrder(userId: $userId, items: $items, idempotencyKey: $idempotencyKey) {
      ...OrderFields
    }
  }
`);

export const ORDER = graphql(`
  query Order($id: ID!) {
    order(id: $id) {
      ...OrderFields
    }
  }
`);

export const ORDERS_BY_USER = graphql(`
  query OrdersByUser($userId: ID!, $first: Int, $after: ID) {
    ordersByUser(userId: $userId, first: $first, after: $after) {
      ...OrderFields
    }
  }
`);

export const ORDER_HISTORY = graphql(`
  query OrderHistory($id: ID!) {
    order(id: $id) {
      id
      status
      statusHistory {
        status
        at
      }
      nextStatuses
      pendingStep
    }
  }
`);

export const UPDATE_ORDER_STATUS = graphql(`
  mutation UpdateOrderStatus($id: ID!, $status: OrderStatus!) {
    updateOrderStatus(id: $id, status: $status) {
      id
      status
    }
  }
`);

/** Starts at an order and reaches into all three subgraphs. */
export const ORDER_ACROSS_SUBGRAPHS = graphql(`
  query OrderAcrossSubgraphs($id: ID!) {
    order(id: $id) {
      id
      totalAmount
      user {
        id
        username
        email
      }
      items {
        quantity
        unitPrice
        product {
          id
          name
          price
        }
      }
    }
  }
`);

export const USER_WITH_ORDERS = graphql(`
  query UserWithOrders($id: ID!) {
    user(id: $id) {
      id
      username
      orders {
        id
        totalAmount
        items {
          product {
            name
          }
        }
      }
    }
  }
`);

export const LOGIN_TOKENS = graphql(`
  mutation LoginTokens($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      refreshToken
      user {
        id
        role
      }
    }
  }
`);

export const REFRESH_TOKEN = graphql(`
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`);

export const LOGOUT = graphql(`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

export const UPDATE_PRODUCT = graphql(`
  mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
    updateProduct(id: $id, input: $input) {
      id
      name
      price
      archivedAt
    }
  }
`);

export const ARCHIVE_PRODUCT = graphql(`
  mutation ArchiveProduct($id: ID!) {
    archiveProduct(id: $id) {
      id
      archivedAt
    }
  }
`);
