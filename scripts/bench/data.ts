// The bench's fixed data set, and the stock check after the order runs (stock taken must equal units ordered).
import crypto from "node:crypto";
import { GraphQLClient, gql } from "graphql-request";
import { callFailureOf } from "../../lib/graphql-client";
import { ORDERS_BY_USER } from "../../rest-shim/src/documents";
import { CREATE_ORDER } from "./targets";

const REGISTER = gql`
  mutation BenchRegister($input: RegisterInput!) {
    register(input: $input) {
      id
    }
  }
`;

const CREATE_PRODUCT = gql`
  mutation BenchCreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
    }
  }
`;

const STOCK = gql`
  query BenchStock($id: ID!) {
    product(id: $id) {
      stockQuantity
    }
  }
`;

const LARGE_STOCK = 10_000_000;

export interface DataSet {
  readerId: string;
  anOrderId: string;
  catalogue: string[];
  hotProductId: string;
  spread: string[];
}

/** One user with 20 orders of 3 lines over 5 products, a hot product, and `spreadCount` more products. */
export async function loadDataSet(gatewayUrl: string, spreadCount: number): Promise<DataSet> {
  const client = new GraphQLClient(gatewayUrl);
  const product = async (name: string, price: string) => {
    const { createProduct } = await client.request<{ createProduct: { id: string } }>(CREATE_PRODUCT, {
      input: { name, description: `${name}, a widget for benchmarks`, price, stockQuantity: LARGE_STOCK, category: "Bench" },
    });
    return createProduct.id;
  };
  const catalogue: string[] = [];
  for (let i = 1; i <= 5; i += 1) catalogue.push(await product(`Bench widget ${i}`, `${i * 10}.99`));
  const readerId = await registerUser(gatewayUrl, "reader");
  let anOrderId = "";
  for (let i = 0; i < 20; i += 1) {
    const items = [0, 1, 2].map((line) => ({ productId: catalogue[(i + line) % 5], quantity: line + 1 }));
    const { createOrder } = await client.request<{ createOrder: { id: string } }>(CREATE_ORDER, { userId: readerId, items });
    anOrderId = createOrder.id;
  }
  const hotProductId = await product("Bench hot item", "5.00");
  const spread: string[] = [];
  for (let i = 0; i < spreadCount; i += 1) spread.push(await product(`Bench spread item ${i}`, "1.00"));
  return { readerId, anOrderId, catalogue, hotProductId, spread };
}

/** Refusals that say "try again": the platform is still answering a load's tail, or hashing for it. */
const RETRYABLE = new Set(["SERVICE_UNAVAILABLE", "TOO_MANY_REQUESTS"]);

export async function registerUser(gatewayUrl: string, role: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    // A new address each time: an attempt the gateway gave up on may still have registered its own.
    const tag = `${role}${crypto.randomBytes(4).toString("hex")}`;
    try {
      const { register } = await new GraphQLClient(gatewayUrl).request<{ register: { id: string } }>(REGISTER, {
        input: { email: `${tag}@bench.example`, username: tag, password: "bench password" },
      });
      return register.id;
    } catch (error) {
      const failure = callFailureOf(error);
      const code = failure?.kind === "answered" ? failure.error.code : undefined;
      if (attempt === 5 || typeof code !== "string" || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

/**
 * Autocannon stops by closing its connections, but orders it sent last may
 * still be being placed: wait (up to a minute) until stock and orders agree.
 */
export async function settledStock(gatewayUrl: string, buyers: string[], productIds: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lines = await checkStock(gatewayUrl, buyers, productIds);
    const inconsistent = lines.filter((line) => line.stockTaken !== line.unitsInOrders);
    if (inconsistent.length === 0) return lines;
    if (Date.now() > deadline) throw new Error(`stock taken differs from units in orders: ${JSON.stringify(inconsistent)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** For each product: stock taken since the data set was loaded, against the units in the buyers' recorded orders. */
async function checkStock(gatewayUrl: string, buyers: string[], productIds: string[]) {
  const client = new GraphQLClient(gatewayUrl);
  const units = new Map<string, number>();
  for (const userId of buyers) {
    for (let after: string | undefined; ;) {
      const { ordersByUser } = await client.request<{
        ordersByUser: { id: string; items: { product: { id: string }; quantity: number }[] }[];
      }>(ORDERS_BY_USER, { userId, first: 100, after });
      for (const order of ordersByUser) {
        for (const item of order.items) units.set(item.product.id, (units.get(item.product.id) ?? 0) + item.quantity);
      }
      if (ordersByUser.length < 100) break;
      after = ordersByUser[ordersByUser.length - 1].id;
    }
  }
  const lines = [];
  for (const id of productIds) {
    const { product } = await client.request<{ product: { stockQuantity: number } }>(STOCK, { id });
    lines.push({ product: id, stockTaken: LARGE_STOCK - product.stockQuantity, unitsInOrders: units.get(id) ?? 0 });
  }
  return lines;
}
