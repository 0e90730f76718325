// `npm run seed`: loads the five sample products of the legacy README through
// the gateway (GATEWAY_URL), so the documented curl flow has data to work on.
// On a fresh database they get ids 1 to 5, in this order. Products already in
// the catalogue (same name) are left alone, so running it twice adds nothing.
// With AUTH_MODE=enforced only an admin may add products: pass one's login,
// `npm run seed -- --admin-email E --admin-password P`.
import { parseArgs } from "node:util";
import { GraphQLClient, gql } from "graphql-request";
import { readEnv } from "../lib/config";

export const SAMPLE_CATALOGUE = [
  {
    name: "Laptop Pro 15",
    description: "High-performance laptop with 16GB RAM",
    price: "1299.99",
    stockQuantity: 50,
    category: "Electronics",
    tags: ["laptop", "computer", "electronics"],
  },
  {
    name: "Wireless Mouse",
    description: "Ergonomic wireless mouse with USB receiver",
    price: "29.99",
    stockQuantity: 200,
    category: "Accessories",
    tags: ["mouse", "wireless", "accessories"],
  },
  {
    name: "Mechanical Keyboard",
    description: "RGB mechanical keyboard with blue switches",
    price: "89.99",
    stockQuantity: 100,
    category: "Accessories",
    tags: ["keyboard", "mechanical", "rgb"],
  },
  {
    name: "USB-C Hub",
    description: "7-in-1 USB-C hub with HDMI and ethernet",
    price: "49.99",
    stockQuantity: 150,
    category: "Accessories",
    tags: ["hub", "usb-c", "adapter"],
  },
  {
    name: "Monitor 27",
    description: "4K IPS monitor with HDR support",
    price: "399.99",
    stockQuantity: 75,
    category: "Electronics",
    tags: ["monitor", "display", "4k"],
  },
];

const ALL_PRODUCT_NAMES = gql`
  query CatalogueNames($after: String) {
    products(first: 100, after: $after) {
      nodes {
        name
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;

const CREATE_PRODUCT = gql`
  mutation SeedProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
      name
    }
  }
`;

const LOGIN = gql`
  mutation SeedLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
    }
  }
`;

type NamesPage = { products: { nodes: { name: string }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } };

export async function seedSampleCatalogue(
  gatewayUrl: string,
  log: (line: string) => void = console.log,
  admin?: { email: string; password: string },
): Promise<void> {
  let client = new GraphQLClient(gatewayUrl);
  if (admin) {
    const { login } = await client.request<{ login: { token: string } }>(LOGIN, admin);
    client = new GraphQLClient(gatewayUrl, { headers: { authorization: `Bearer ${login.token}` } });
  }
  const existing = new Set<string>();
  let after: string | null = null;
  do {
    const page: NamesPage = await client.request<NamesPage>(ALL_PRODUCT_NAMES, { after });
    page.products.nodes.forEach((product) => existing.add(product.name));
    after = page.products.pageInfo.hasNextPage ? page.products.pageInfo.endCursor : null;
  } while (after);

  for (const product of SAMPLE_CATALOGUE) {
    if (existing.has(product.name)) {
      log(`already there: ${product.name}`);
      continue;
    }
    const { createProduct } = await client.request<{ createProduct: { id: string; name: string } }>(CREATE_PRODUCT, {
      input: product,
    });
    log(`created product ${createProduct.id}: ${createProduct.name}`);
  }
}

if (require.main === module) {
  const { GATEWAY_URL } = readEnv();
  const { values } = parseArgs({ options: { "admin-email": { type: "string" }, "admin-password": { type: "string" } } });
  const email = values["admin-email"];
  const password = values["admin-password"];
  const admin = email && password ? { email, password } : undefined;
  seedSampleCatalogue(GATEWAY_URL, console.log, admin).catch((error: Error) => {
    console.error(
      `Could not load the sample catalogue through ${GATEWAY_URL}: ${error.message}\nIs the platform running (npm start)?`,
    );
    process.exit(1);
  });
}
