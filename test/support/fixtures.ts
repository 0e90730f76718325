import type { GraphQLClient } from "graphql-request";
import { CREATE_PRODUCT, REGISTER } from "./operations";

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
  fields: { name: string; price: string; stockQuantity: number; tags?: string[] },
): Promise<string> {
  const { createProduct } = await gql.request(CREATE_PRODUCT, {
    input: { description: "", category: "Test", tags: [], ...fields },
  });
  return createProduct.id;
}
