import { gql } from "graphql-request";

/** Every GraphQL document the end-to-end tests send to the gateway, in one place. */

export const USER_FIELDS = gql`
  fragment UserFields on User {
    id
    email
    username
    fullName
    createdAt
    updatedAt
  }
`;

export const REGISTER = gql`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const LOGIN = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        ...UserFields
      }
    }
  }
  ${USER_FIELDS}
`;

export const ME = gql`
  query Me {
    me {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const USER = gql`
  query User($id: ID!) {
    user(id: $id) {
      ...UserFields
    }
  }
  ${USER_FIELDS}
`;

export const SEARCH_USERS = gql`
  query SearchUsers($query: String!) {
    searchUsers(query: $query) {
      id
      username
    }
  }
`;

export const PRODUCT_FIELDS = gql`
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
`;

export const CREATE_PRODUCT = gql`
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      ...ProductFields
    }
  }
  ${PRODUCT_FIELDS}
`;

export const PRODUCT = gql`
  query Product($id: ID!) {
    product(id: $id) {
      ...ProductFields
    }
  }
  ${PRODUCT_FIELDS}
`;

export const PRODUCTS = gql`
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
`;

export const SEARCH_PRODUCTS = gql`
  query SearchProducts($query: String!) {
    searchProducts(query: $query) {
      id
      name
    }
  }
`;

export const PRODUCTS_BY_TAGS = gql`
  query ProductsByTags($tags: [String!]!) {
    productsByTags(tags: $tags) {
      id
      name
      tags
    }
  }
`;

export const ADJUST_STOCK = gql`
  mutation AdjustStock($id: ID!, $delta: Int!) {
    adjustStock(id: $id, delta: $delta) {
      id
      stockQuantity
    }
  }
`;

export const ORDER_FIELDS = gql`
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
`;

export const CREATE_ORDER = gql`
  mutation CreateOrder($userId: ID!, $items: [OrderLineInput!]!, $idempotencyKey: String) {
    createOrder(userId: $userId, items: $items, idempotencyKey: $idempotencyKey) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDER = gql`
  query Order($id: ID!) {
    order(id: $id) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDERS_BY_USER = gql`
  query OrdersByUser($userId: ID!, $first: Int, $after: ID) {
    ordersByUser(userId: $userId, first: $first, after: $after) {
      ...OrderFields
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDER_HISTORY = gql`
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
`;

export const UPDATE_ORDER_STATUS = gql`
  mutation UpdateOrderStatus($id: ID!, $status: OrderStatus!) {
    updateOrderStatus(id: $id, status: $status) {
      id
      status
    }
  }
`;

/** Starts at an order and reaches into all three subgraphs. */
export const ORDER_ACROSS_SUBGRAPHS = gql`
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
`;

export const USER_WITH_ORDERS = gql`
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
`;

export const LOGIN_TOKENS = gql`
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
`;

export const REFRESH_TOKEN = gql`
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      token
      refreshToken
      user {
        id
      }
    }
  }
`;

export const LOGOUT = gql`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`;

export const UPDATE_PRODUCT = gql`
  mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
    updateProduct(id: $id, input: $input) {
      id
      name
      price
      archivedAt
    }
  }
`;

export const ARCHIVE_PRODUCT = gql`
  mutation ArchiveProduct($id: ID!) {
    archiveProduct(id: $id) {
      id
      archivedAt
    }
  }
`;
