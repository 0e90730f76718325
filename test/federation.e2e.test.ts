import type { GraphQLClient } from "graphql-request";
import { statementCount } from "./support/metrics";
import { BACKENDS } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { CREATE_ORDER, ORDER_ACROSS_SUBGRAPHS, USER_WITH_ORDERS } from "./support/operations";
import { usePlatform } from "./support/use-platform";

describe.each(BACKENDS)("one graph across three subgraphs (%s)", (backend) => {
  // Statements are counted below: the mail relay's poll of the users database (every 5 s) must not fall in between.
  const platform = usePlatform(backend, { env: { MAIL_RELAY_POLL_SECONDS: "3600" } });
  let gql: GraphQLClient;
  const users: string[] = [];
  const products: string[] = [];

  beforeAll(async () => {
    gql = platform.client();
    for (const name of ["ada", "grace", "linus"]) users.push(await registerUser(gql, name));
    for (let i = 1; i <= 6; i++)
      products.push(await createProduct(gql, { name: `Gadget ${i}`, price: `${i}.25`, stockQuantity: 100 }));
    // Each user orders every product, over two orders.
    for (const userId of users) {
      await gql.request(CREATE_ORDER, { userId, items: products.slice(0, 3).map((productId) => ({ productId, quantity: 1 })) });
      await gql.request(CREATE_ORDER, { userId, items: products.slice(3).map((productId) => ({ productId, quantity: 2 })) });
    }
  });

  test("an order reaches its user and each item's product", async () => {
    const { order } = await gql.request(ORDER_ACROSS_SUBGRAPHS, { id: "1" });
    expect(order).toEqual({
      id: "1",
      totalAmount: "6.75", // 1.25 + 2.25 + 3.25
      user: { id: users[0], username: "ada", email: "ada@example.com" },
      items: [
        { quantity: 1, unitPrice: "1.25", product: { id: products[0], name: "Gadget 1", price: "1.25" } },
        { quantity: 1, unitPrice: "2.25", product: { id: products[1], name: "Gadget 2", price: "2.25" } },
        { quantity: 1, unitPrice: "3.25", product: { id: products[2], name: "Gadget 3", price: "3.25" } },
      ],
    });
  });

  test("a user's orders through User.orders, newest first", async () => {
    const user = (await gql.request(USER_WITH_ORDERS, { id: users[1] })).user!;
    expect(user.username).toBe("grace");
    expect(user.orders.map((order) => order.totalAmount)).toEqual(["31.50", "6.75"]); // 2×(4.25+5.25+6.25), then the first
    expect(user.orders[0].items.map((item) => item.product.name)).toEqual(["Gadget 4", "Gadget 5", "Gadget 6"]);
  });

  test("entity references are batched: a fixed number of SQL statements per subgraph fetch, whatever their number", async () => {
    // Each subgraph's statement count, as its /metrics reports it to operators.
    const statements = async () => {
      const counts = await Promise.all(
        (["products", "users", "orders"] as const).map(
          async (name) => [name, await statementCount(platform.subgraphs[name].url)] as const,
        ),
      );
      return Object.fromEntries(counts) as Record<"products" | "users" | "orders", number>;
    };
    const before = await statements();

    // 3 users → their 6 orders (one _entities call to orders with 3 User
    // representations) → 18 items whose products (one _entities call to
    // products with 18 representations) and the orders' users (one call to users).
    const { searchUsers } = await gql.request(`
      query {
        searchUsers(query: "example") {
          username
          orders { user { fullName } items { product { name price } } }
        }
      }
    `);
    expect(searchUsers).toHaveLength(3);
    const productNames = searchUsers.flatMap((u: any) => u.orders.flatMap((o: any) => o.items.map((i: any) => i.product.name)));
    expect(productNames).toHaveLength(18);
    expect(new Set(productNames).size).toBe(6);

    const after = await statements();
    expect(after.products - before.products).toBe(1);
    // orders: one statement for the ids of each user's page of orders (a window function), one for those orders with their items.
    expect(after.orders - before.orders).toBe(2);
    // users: the search itself (ranked ids, then the rows) plus one batched lookup for Order.user.
    expect(after.users - before.users).toBe(3);
  });
});
