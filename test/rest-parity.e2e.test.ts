import { BACKENDS, type Backend } from "./support/databases";
import {
  CREATE_ORDER,
  CREATE_PRODUCT,
  LOGIN,
  ORDER,
  REGISTER,
  SEARCH_PRODUCTS,
  UPDATE_ORDER_STATUS,
  USER,
} from "./support/operations";
import { startRestTestPlatform, type RestTestPlatform } from "./support/rest-platform";

/**
 * One customer's story told twice, each on a fresh platform: once through the
 * legacy REST API, once through GraphQL. Both tell the same outcome (timestamps
 * and tokens aside), because the shim only translates.
 */

interface Outcome {
  userId: number;
  loggedInAs: { id: number; email: string; username: string; fullName: string };
  productId: number;
  found: { id: number; name: string; price: number }[];
  order: { id: number; total: number };
  afterStatusChange: {
    status: string;
    total: number;
    userId: number;
    items: { productId: number; quantity: number; price: number }[];
  };
  stockLeft: number;
}

const alice = { email: "alice@example.com", username: "alice", password: "correct-horse-battery", fullName: "Alice Liddell" };
const lamp = {
  name: "Desk Lamp",
  description: "A warm LED desk lamp",
  price: 34.95,
  stockQuantity: 12,
  category: "Lighting",
  tags: ["lamp", "desk"],
};

async function throughRest(shop: RestTestPlatform): Promise<Outcome> {
  const rest = shop.rest("legacyGateway");
  const registered = await rest.post("/api/users/register", {
    email: alice.email,
    username: alice.username,
    password: alice.password,
    full_name: alice.fullName,
  });
  const login = await rest.post("/api/users/login", { email: alice.email, password: alice.password });
  const created = await rest.post("/api/products", {
    name: lamp.name,
    description: lamp.description,
    price: lamp.price,
    stock_quantity: lamp.stockQuantity,
    category: lamp.category,
    tags: lamp.tags,
  });
  const found = await rest.get("/api/products/search?q=lamps");
  const placed = await rest.post("/api/orders", {
    user_id: registered.body.user_id,
    items: [{ product_id: created.body.product_id, quantity: 3 }],
  });
  const moved = await rest.patch(`/api/orders/${placed.body.order_id}/status`, { status: "processing" });
  const order = await rest.get(`/api/orders/${placed.body.order_id}`);
  const product = await rest.get(`/api/products/${created.body.product_id}`);
  expect([registered, login, created, found, placed, moved, order, product].map((response) => response.status)).toEqual([
    200, 200, 201, 200, 201, 200, 200, 200,
  ]);
  return {
    userId: registered.body.user_id,
    loggedInAs: {
      id: login.body.user.id,
      email: login.body.user.email,
      username: login.body.user.username,
      fullName: login.body.user.full_name,
    },
    productId: created.body.product_id,
    found: found.body.map((p: any) => ({ id: p.id, name: p.name, price: p.price })),
    order: { id: placed.body.order_id, total: placed.body.total_amount },
    afterStatusChange: {
      status: order.body.status,
      total: order.body.total_amount,
      userId: order.body.user_id,
      items: order.body.items.map((item: any) => ({ productId: item.product_id, quantity: item.quantity, price: item.price })),
    },
    stockLeft: product.body.stock_quantity,
  };
}

async function throughGraphql(shop: RestTestPlatform): Promise<Outcome> {
  const gql = shop.platform.client();
  const { register } = await gql.request(REGISTER, { input: alice });
  const { login } = await gql.request(LOGIN, { email: alice.email, password: alice.password });
  const { createProduct } = await gql.request(CREATE_PRODUCT, { input: { ...lamp, price: String(lamp.price) } });
  const { searchProducts } = await gql.request(SEARCH_PRODUCTS, { query: "lamps" });
  const { createOrder } = await gql.request(CREATE_ORDER, {
    userId: register.id,
    items: [{ productId: createProduct.id, quantity: 3 }],
  });
  await gql.request(UPDATE_ORDER_STATUS, { id: createOrder.id, status: "PROCESSING" });
  const order = (await gql.request(ORDER, { id: createOrder.id })).order!;
  const { product } = await gql.request(`query { product(id: "${createProduct.id}") { stockQuantity } }`);
  const user = (await gql.request(USER, { id: register.id })).user!;
  expect(user.email).toBe(alice.email);
  const prices = new Map([[createProduct.id, Number(createProduct.price)]]);
  return {
    userId: Number(register.id),
    loggedInAs: {
      id: Number(login.user.id),
      email: login.user.email,
      username: login.user.username,
      fullName: login.user.fullName,
    },
    productId: Number(createProduct.id),
    found: searchProducts.map((p: any) => ({ id: Number(p.id), name: p.name, price: prices.get(p.id) ?? NaN })),
    order: { id: Number(createOrder.id), total: Number(createOrder.totalAmount) },
    afterStatusChange: {
      status: order.status.toLowerCase(),
      total: Number(order.totalAmount),
      userId: Number(order.user.id),
      items: order.items.map((item: any) => ({
        productId: Number(item.product.id),
        quantity: item.quantity,
        price: Number(item.unitPrice),
      })),
    },
    stockLeft: product.stockQuantity,
  };
}

async function onFreshPlatform(backend: Backend, story: (shop: RestTestPlatform) => Promise<Outcome>): Promise<Outcome> {
  const shop = await startRestTestPlatform(backend);
  try {
    return await story(shop);
  } finally {
    await shop.stop();
  }
}

describe.each(BACKENDS)("REST and GraphQL tell the same story (%s)", (backend) => {
  test("register, log in, add a product, find it, order it, move the order on, read it back", async () => {
    const viaRest = await onFreshPlatform(backend, throughRest);
    const viaGraphql = await onFreshPlatform(backend, throughGraphql);
    expect(viaRest).toEqual(viaGraphql);
    expect(viaRest).toMatchObject({
      userId: 1,
      productId: 1,
      found: [{ id: 1, name: "Desk Lamp", price: 34.95 }],
      order: { id: 1, total: 104.85 },
      afterStatusChange: { status: "processing", total: 104.85, userId: 1, items: [{ productId: 1, quantity: 3, price: 34.95 }] },
      stockLeft: 9,
    });
  });
});
