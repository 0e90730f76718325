import type { GraphQLClient } from "graphql-request";
import type { OrderStatus } from "../../lib/__generated__/public-api-tests/graphql";
import { CREATE_ORDER, CREATE_PRODUCT, REGISTER, UPDATE_ORDER_STATUS } from "./operations";

/** Small helpers that set up a story's cast through the public API. */

let counter = 0;

export async function registerUser(gql: GraphQLClient, name = `shopper${++counter}`): Promise<string> {
  const { register } = await gql.request(REGISTER, {
    input: { email: `${name}@example.com`, username: name, password: "password123", fullName: `Shopper ${name}` },
  });
  return register.id;
}

export async function createProduct(
  gql: GraphQLClient,
  fields: { name: string; price: string; stockQuantity: number; tags?: string[]; description?: string },
): Promise<string> {
  const { createProduct } = await gql.request(CREATE_PRODUCT, {
    input: { description: "", category: "Test", tags: [], ...fields },
  });
  return createProduct.id;
}

/** Places an order for `userId`; answers its id. */
export async function placeOrder(
  gql: GraphQLClient,
  userId: string,
  items: { productId: string; quantity: number }[],
): Promise<string> {
  return (await gql.request(CREATE_ORDER, { userId, items })).createOrder.id;
}

/** Moves an order to `status` (an admin's or, in open mode, anyone's client). */
export async function moveOrder(gql: GraphQLClient, id: string, status: OrderStatus): Promise<void> {
  await gql.request(UPDATE_ORDER_STATUS, { id, status });
}
