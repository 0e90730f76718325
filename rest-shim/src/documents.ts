import { gql } from "graphql-request";

/**
 * Every GraphQL document the REST shim sends to the gateway, and the shapes of
 * their results (only the fields asked for here).
 */

export interface UserResult {
  id: string;
  email: string;
  username: string;
  fullName: string;
  createdAt: string;
  updatedAt: string;
}

export interface ProductResult {
  id: string;
  name: string;
  description: string;
  price: string;
  stockQuantity: number;
  category: string;
  tags: string[];
  createdAt: string;
}

export interface OrderResult {
  id: string;
  user: { id: string };
  status: string;
  totalAmount: string;
  items: { id: string; product: { id: string }; quantity: number; unitPrice: string }[];
  createdAt: string;
}

const USER_FIELDS = gql`
  fragment RestUser on User {
    id
    email
    username
    fullName
    createdAt
    updatedAt
  }
`;

const PRODUCT_FIELDS = gql`
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
`;

const ORDER_FIELDS = gql`
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
`;

export const REGISTER = gql`
  mutation RestRegister($input: RegisterInput!) {
    register(input: $input) {
      id
    }
  }
`;

export const LOGIN = gql`
  mutation RestLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        ...RestUser
      }
    }
  }
  ${USER_FIELDS}
`;

export const USER = gql`
  query RestUser($id: ID!) {
    user(id: $id) {
      ...RestUser
    }
  }
  ${USER_FIELDS}
`;

export const SEARCH_USERS = gql`
  query RestSearchUsers($query: String!) {
    searchUsers(query: $query) {
      ...RestUser
    }
  }
  ${USER_FIELDS}
`;

export const CREATE_PRODUCT = gql`
  mutation RestCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
    }
  }
`;

export const PRODUCT = gql`
  query RestProduct($id: ID!) {
    product(id: $id) {
      ...RestProduct
    }
  }
  ${PRODUCT_FIELDS}
`;

export const SEARCH_PRODUCTS = gql`
  query RestSearchProducts($query: String!) {
    searchProducts(query: $query) {
      ...RestProduct
    }
  }
  ${PRODUCT_FIELDS}
`;

export const PRODUCTS_BY_TAGS = gql`
  query RestProductsByTags($tags: [String!]!) {
    productsByTags(tags: $tags) {
      ...RestProduct
    }
  }
  ${PRODUCT_FIELDS}
`;

export const ADJUST_STOCK = gql`
  mutation RestAdjustStock($id: ID!, $delta: Int!) {
    adjustStock(id: $id, delta: $delta) {
      id
    }
  }
`;

export const CREATE_ORDER = gql`
  mutation RestCreateOrder($userId: ID!, $items: [OrderLineInput!]!, $idempotencyKey: String) {
    createOrder(userId: $userId, items: $items, idempotencyKey: $idempotencyKey) {
      id
      totalAmount
    }
  }
`;

export const ORDER = gql`
  query RestOrder($id: ID!) {
    order(id: $id) {
      ...RestOrder
    }
  }
  ${ORDER_FIELDS}
`;

export const ORDERS_BY_USER = gql`
  query RestOrdersByUser($userId: ID!, $first: Int!, $after: ID) {
    ordersByUser(userId: $userId, first: $first, after: $after) {
      ...RestOrder
    }
  }
  ${ORDER_FIELDS}
`;

export const UPDATE_ORDER_STATUS = gql`
  mutation RestUpdateOrderStatus($id: ID!, $status: OrderStatus!) {
    updateOrderStatus(id: $id, status: $status) {
      id
    }
  }
`;
