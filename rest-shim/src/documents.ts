import { graphql } from "../../lib/__generated__/public-api";

/**
 * Every GraphQL document the REST shim sends to the gateway. Their result and
 * variables types are generated from the public API schema (codegen.ts), so a
 * field the API does not have fails `tsc`. Fragments are used by name.
 */

export const USER_FIELDS = graphql(`
  fragment RestUser on User {
    id
    email
    username
    fullName
    createdAt
    updatedAt
  }
`);

export const PRODUCT_FIELDS = graphql(`
  fragment RestProduct on Product {
    id
    name
    description
    price
    stockQuantity
    category
    tags
    createdAt
  }
`);

export const ORDER_FIELDS = graphql(`
  fragment RestOrder on Order {
    id
    user {
      id
    }
    status
    totalAmount
    items {
      id
      product {
        id
      }
      quantity
      unitPrice
    }
    createdAt
  }
`);

export const REGISTER = graphql(`
  mutation RestRegister($input: RegisterInput!) {
    register(input: $input) {
      id
    }
  }
`);

export const LOGIN = graphql(`
  mutation RestLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        ...RestUser
      }
    }
  }
`);

export const USER = graphql(`
  query RestUser($id: ID!) {
    user(id: $id) {
      ...RestUser
    }
  }
`);

export const SEARCH_USERS = graphql(`
  query RestSearchUsers($query: String!) {
    searchUsers(query: $query) {
      ...RestUser
    }
  }
`);

export const CREATE_PRODUCT = graphql(`
  mutation RestCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
    }
  }
`);

export const PRODUCT = graphql(`
  query RestProduct($id: ID!) {
    product(id: $id) {
      ...RestProduct
    }
  }
`);

export const SEARCH_PRODUCTS = graphql(`
  query RestSearchProducts($query: String!) {
    searchProducts(query: $query) {
      ...RestProduct
    }
  }
`);

export const PRODUCTS_BY_TAGS = graphql(`
  query RestProductsByTags($tags: [String!]!) {
    productsByTags(tags: $tags) {
      ...RestProduct
    }
  }
`);

export const ADJUST_STOCK = graphql(`
  mutation RestAdjustStock($id: ID!, $delta: Int!) {
    adjustStock(id: $id, delta: $delta) {
      id
    }
  }
`);

export const CREATE_ORDER = graphql(`
  mutation RestCreateOrder($userId: ID!, $items: [OrderLineInput!]!, $idempotencyKey: String) {
    createOrder(userId: $userId, items: $items, idempotencyKey: $idempotencyKey) {
      id
      totalAmount
    }
  }
`);

export const ORDER = graphql(`
  query RestOrder($id: ID!) {
    order(id: $id) {
      ...RestOrder
    }
  }
`);

export const ORDERS_BY_USER = graphql(`
  query RestOrdersByUser($userId: ID!, $first: Int!, $after: ID) {
    ordersByUser(userId: $userId, first: $first, after: $after) {
      ...RestOrder
    }
  }
`);

export const UPDATE_ORDER_STATUS = graphql(`
  mutation RestUpdateOrderStatus($id: ID!, $status: OrderStatus!) {
    updateOrderStatus(id: $id, status: $status) {
      id
    }
  }
`);
