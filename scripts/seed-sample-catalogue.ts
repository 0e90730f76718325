// `npm run seed`: loads the five sample products of the legacy README through
// the gateway (GATEWAY_URL), so the documented curl flow has data to work on.
// On a fresh database they get ids 1 to 5, in this order. Products already in
// the catalogue (same name) are left alone, so running it twice adds nothing.
// With AUTH_MODE=enforced only an admin may add products: pass one's login,
// `npm run seed -- --admin-email E` (the password from ADMIN_PASSWORD, or asked).
import { parseArgs } from "node:util";
import { graphql } from "../lib/__generated__/public-api";
import type { CatalogueNamesQuery } from "../lib/__generated__/public-api/graphql";
import { readEnv } from "../lib/config";
import { callFailureOf, createGraphQLClient } from "../lib/graphql-client";
import { passwordOf } from "./support/password";

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

const ALL_PRODUCT_NAMES = graphql(`
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
`);

const CREATE_PRODUCT = graphql(`
  mutation SeedProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      id
      name
    }
  }
`);

const LOGIN = graphql(`
  mutation SeedLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
    }
  }
`);

/** What the seed sends to the gateway: listed as trusted documents (scripts/trusted-documents.ts). */
export const SEED_DOCUMENTS = [ALL_PRODUCT_NAMES, CREATE_PRODUCT, LOGIN];

export async function seedSampleCatalogue(
  gatewayUrl: string,
  log: (line: string) => void = console.log,
  admin?: { email: string; password: string },
  timeoutMs = readEnv({}).GATEWAY_CALL_TIMEOUT_MS,
): Promise<void> {
  let client = createGraphQLClient(gatewayUrl, { timeoutMs });
  if (admin) {
    const { login } = await client.request(LOGIN, admin);
    client = createGraphQLClient(gatewayUrl, { timeoutMs, headers: { authorization: `Bearer ${login.token}` } });
  }
  const existing = new Set<string>();
  let after: string | null = null;
  do {
    const page: CatalogueNamesQuery = await client.request(ALL_PRODUCT_NAMES, { after });
    page.products.nodes.forEach((product) => existing.add(product.name));
    after = page.products.pageInfo.hasNextPage ? page.products.pageInfo.endCursor : null;
  } while (after);

  for (const product of SAMPLE_CATALOGUE) {
    if (existing.has(product.name)) {
      log(`already there: ${product.name}`);
      continue;
    }
    const { createProduct } = await client.request(CREATE_PRODUCT, { input: product });
    log(`created product ${createProduct.id}: ${createProduct.name}`);
  }
}

/** What the operator reads when the seed fails: the variable to change, or the flag that is missing. */
export function seedFailureMessage(error: unknown, gatewayUrl: string): string {
  const failure = callFailureOf(error);
  if (failure?.kind === "answered" && ["UNAUTHENTICATED", "FORBIDDEN"].includes(String(failure.error.code))) {
    return (
      "Only an admin may add products here (the platform runs with AUTH_MODE=enforced). Sign in as one:\n" +
      "  npm run seed -- --admin-email E   (the password from ADMIN_PASSWORD, or asked; --admin-password P also works)\n" +
      "`npm run create-admin` makes an admin (with the platform stopped, on embedded databases)."
    );
  }
  if (failure?.kind === "answered") return `The gateway at GATEWAY_URL=${gatewayUrl} refused: ${failure.error.message}`;
  if (failure?.kind === "unreachable" || failure?.kind === "timeout") {
    return (
      `No gateway answered at GATEWAY_URL=${gatewayUrl} (${failure.kind === "timeout" ? "timed out" : "no connection"}). ` +
      "Is the platform running (npm start)? If it runs on other ports, run this with the same PORT_OFFSET or GATEWAY_URL."
    );
  }
  return `Could not load the sample catalogue through GATEWAY_URL=${gatewayUrl}: ${error instanceof Error ? error.message : String(error)}`;
}

if (require.main === module) {
  const env = readEnv();
  const { GATEWAY_URL, GATEWAY_CALL_TIMEOUT_MS } = env;
  const { values } = parseArgs({ options: { "admin-email": { type: "string" }, "admin-password": { type: "string" } } });
  const email = values["admin-email"];
  void (async () => {
    const password = email ? await passwordOf(values["admin-password"], env.ADMIN_PASSWORD, `Password of ${email}: `) : undefined;
    const admin = email && password ? { email, password } : undefined;
    await seedSampleCatalogue(GATEWAY_URL, console.log, admin, GATEWAY_CALL_TIMEOUT_MS);
  })().catch((error: unknown) => {
    console.error(seedFailureMessage(error, GATEWAY_URL));
    process.exit(1);
  });
}
