import crypto from "node:crypto";
import { parse, print, type DocumentNode } from "graphql";
import { portRoutes, PORT_KINDS, type PortKind } from "../rest-shim/src/ports";
import { BACKENDS } from "./support/databases";
import { createProduct, registerUser } from "./support/fixtures";
import { INTERNALS } from "./support/leaks";
import { recoverFully } from "./support/recovery";
import {
  ADJUST_STOCK,
  CREATE_ORDER,
  CREATE_PRODUCT,
  LOGIN,
  ME,
  ORDER,
  ORDER_ACROSS_SUBGRAPHS,
  ORDERS_BY_USER,
  PRODUCT,
  PRODUCTS,
  PRODUCTS_BY_TAGS,
  REGISTER,
  SEARCH_PRODUCTS,
  SEARCH_USERS,
  UPDATE_ORDER_STATUS,
  USER,
  USER_WITH_ORDERS,
} from "./support/operations";
import { type RestTestPlatform } from "./support/rest-platform";
import { seededRandom } from "./support/seeded-random";
import { useRestPlatform } from "./support/use-platform";

/**
 * A seeded fuzz of the whole platform in open mode (so that hostile input
 * reaches the services): every REST route on every port and every GraphQL
 * operation, with random JSON, wrong types, 1 MB strings, unpaired
 * surrogates, NUL bytes, negative, huge, float and NaN numbers and hostile
 * ids. No answer may be a 5xx, INTERNAL_SERVER_ERROR, HTML or carry internal
 * detail; afterwards every product's stock must add up. FUZZ_SEED=<n>
 * replays a run.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const REQUESTS_PER_BACKEND = Number(process.env.FUZZ_REQUESTS ?? 1200);
const PARALLEL = 6;

class Fuzzer {
  constructor(readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Values no well-behaved client sends: half of them text no database could store. */
  hostile(): unknown {
    if (this.chance(0.5)) {
      return this.pick([
        () => "x".repeat(1_000_000),
        () => "ab".repeat(30_000),
        () => `laptop ${"z".repeat(this.int(5000))}`,
        () => "abc\ud800def",
        () => "\udfff",
        () => "a\u0000b@example.com",
        () => "\u0000",
        () => `Name\u0000${this.randomText(5)}`,
      ])();
    }
    const generators: (() => unknown)[] = [
      () => -1,
      () => 0,
      () => -2147483648,
      () => 2147483648,
      // eslint-disable-next-line no-loss-of-precision -- on purpose: past Number.MAX_SAFE_INTEGER, as a client may send
      () => 9007199254740993,
      () => 1e308,
      () => -1e308,
      () => 1.5,
      () => -0.0001,
      () => "NaN",
      () => "Infinity",
      () => "1e999",
      () => "9".repeat(400),
      () => "-1",
      () => " 1 ",
      () => "0x10",
      () => "１２",
      () => "' OR 1=1 --",
      () => "1; DROP TABLE users",
      () => "../../etc/passwd",
      () => "%ff%00",
      () => "<script>alert(1)</script>",
      () => "🙂".repeat(2000),
      () => "",
      () => "   ",
      () => null,
      () => true,
      () => [],
      () => {},
      () => ({ __proto__: { admin: true }, constructor: { prototype: {} } }),
      () => [1, "two", null, { three: [3] }],
      () => this.randomJson(3),
      () => this.randomText(this.int(80)),
    ];
    return this.pick(generators)();
  }

  randomText(length: number): string {
    const alphabet = "abcXYZ019 _-.@:/\\\"'{}[]()$!#%&*+,;<=>?^`|~\u00e9\u4e2d\ud83d\ude00\n\t";
    return Array.from({ length }, () => alphabet[this.int(alphabet.length)]).join("");
  }

  randomJson(depth: number): unknown {
    const kind = this.int(depth > 0 ? 7 : 5);
    switch (kind) {
      case 0:
        return this.randomText(this.int(20));
      case 1:
        return this.int(2000) - 1000;
      case 2:
        return this.random() * 1e6 - 5e5;
      case 3:
        return this.chance(0.5);
      case 4:
        return null;
      case 5:
        return Array.from({ length: this.int(5) }, () => this.randomJson(depth - 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(5) }, () => [this.randomText(6), this.randomJson(depth - 1)]));
    }
  }

  /** Mostly hostile, sometimes a plausible id, so that some requests reach real rows. */
  id(): unknown {
    return this.chance(0.5) ? String(1 + this.int(8)) : this.hostile();
  }

  /** A template's fields, some replaced by hostile values, some dropped, some added; or something else entirely. */
  mutate(template: Record<string, unknown>): unknown {
    if (this.chance(0.1)) return this.hostile();
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      if (this.chance(0.1)) continue;
      result[key] = this.chance(0.5) ? this.hostile() : value;
    }
    if (this.chance(0.1)) result[this.randomText(5)] = this.hostile();
    return result;
  }
}

/** What the fuzz learns from successful answers, to check the stock afterwards. */
interface StockLedger {
  /** Stock a product was created with (the seeded ones, and any the fuzz created). */
  initial: Map<number, number>;
  /** Units added or removed by successful stock adjustments. */
  adjusted: Map<number, number>;
}

/** encodeURIComponent, but a lone surrogate goes as the bytes a careless client would send (not UTF-8). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "")) + "%ED%A0%80";
  }
}

const addTo = (map: Map<number, number>, key: number, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);

interface Attempt {
  label: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Records what a successful answer changed. */
  onSuccess?(status: number, body: any): void;
}

function restAttempts(f: Fuzzer, shop: RestTestPlatform, ledger: StockLedger): () => Attempt {
  const routes = PORT_KINDS.flatMap((kind: PortKind) => portRoutes(kind).map((route) => ({ kind, route })));
  const bodies: Record<string, () => Record<string, unknown>> = {
    register: () => ({
      email: `fuzz${f.int(1e9)}@example.com`,
      username: `fuzz${f.int(1e9)}`,
      password: "password123",
      full_name: "F",
    }),
    login: () => ({ email: "fuzz1@example.com", password: "password123" }),
    products: () => ({ name: "Fuzzed", description: "d", price: 9.99, stock_quantity: 5, category: "c", tags: ["t"] }),
    stock: () => ({ quantity: f.int(11) - 5 }),
    orders: () => ({ user_id: 1 + f.int(3), items: [{ product_id: 1 + f.int(6), quantity: 1 + f.int(3) }] }),
    status: () => ({ status: f.pick(["pending", "processing", "shipped", "delivered", "cancelled"]) }),
  };
  const bodyFor = (path: string) =>
    /register$/.test(path)
      ? bodies.register
      : /login$/.test(path)
        ? bodies.login
        : /stock$/.test(path)
          ? bodies.stock
          : /status$/.test(path)
            ? bodies.status
            : /products$/.test(path)
              ? bodies.products
              : bodies.orders;
  return () => {
    const { kind, route } = f.pick(routes);
    let stockTarget: string | undefined;
    const path = route.path.replace(/:(\w+)/g, () => {
      const value = f.id();
      // Path segments as a client would write them, or raw garbage such as bad percent-encoding.
      const segment = f.chance(0.15) ? f.pick(["%ff", "%E0%A4%A", "%00", "..%2f..", "%"]) : encode(String(value));
      stockTarget = segment;
      return segment;
    });
    const query = /search$/.test(path)
      ? `?q=${encode(String(f.chance(0.5) ? "laptop" : f.hostile()))}`
      : /tags$/.test(path)
        ? `?tags=${encode(String(f.hostile()))}`
        : "";
    const template = route.method === "GET" ? undefined : bodyFor(route.path)();
    const payload = template === undefined ? undefined : f.mutate(template);
    const body = payload === undefined ? undefined : f.chance(0.05) ? f.randomText(30) : JSON.stringify(payload);
    const sentBody = payload as Record<string, unknown> | undefined;
    return {
      label: `REST ${kind} ${route.method} ${path}${query}`,
      url: shop.shim.urls[kind] + path + query,
      method: route.method,
      headers:
        body === undefined
          ? {}
          : ({ "content-type": f.chance(0.95) ? "application/json" : "text/plain" } as Record<string, string>),
      body,
      onSuccess(status, answer) {
        if (route.method === "PATCH" && route.path.endsWith("/stock") && status === 200) {
          addTo(ledger.adjusted, Number(decodeURIComponent(stockTarget!).trim()), Number(sentBody!.quantity));
        }
        if (route.method === "POST" && route.path === "/api/products" && status === 201) {
          ledger.initial.set(answer.product_id, Number(sentBody!.stock_quantity ?? 0));
        }
      },
    };
  };
}

function graphqlAttempts(f: Fuzzer, shop: RestTestPlatform, ledger: StockLedger): () => Attempt {
  const operations: [string, DocumentNode, () => Record<string, unknown>][] = [
    [
      "register",
      REGISTER,
      () => ({ input: { email: `g${f.int(1e9)}@example.com`, username: `g${f.int(1e9)}`, password: "password123" } }),
    ],
    ["login", LOGIN, () => ({ email: "fuzz1@example.com", password: "password123" })],
    ["me", ME, () => ({})],
    ["user", USER, () => ({ id: f.id() })],
    ["userWithOrders", USER_WITH_ORDERS, () => ({ id: f.id() })],
    ["searchUsers", SEARCH_USERS, () => ({ query: "fuzz" })],
    ["createProduct", CREATE_PRODUCT, () => ({ input: { name: "G", price: "1.50", stockQuantity: 3, tags: ["a"] } })],
    ["product", PRODUCT, () => ({ id: f.id() })],
    ["products", PRODUCTS, () => ({ first: 1 + f.int(100), filter: { category: "c", tags: ["t"] }, after: null })],
    ["searchProducts", SEARCH_PRODUCTS, () => ({ query: "laptop" })],
    ["productsByTags", PRODUCTS_BY_TAGS, () => ({ tags: ["t"] })],
    ["adjustStock", ADJUST_STOCK, () => ({ id: f.id(), delta: f.int(11) - 5 })],
    [
      "createOrder",
      CREATE_ORDER,
      () => ({ userId: String(1 + f.int(3)), items: [{ productId: String(1 + f.int(6)), quantity: 1 + f.int(3) }] }),
    ],
    ["order", ORDER, () => ({ id: f.id() })],
    ["orderAcross", ORDER_ACROSS_SUBGRAPHS, () => ({ id: f.id() })],
    ["ordersByUser", ORDERS_BY_USER, () => ({ userId: f.id() })],
    [
      "updateOrderStatus",
      UPDATE_ORDER_STATUS,
      () => ({ id: f.id(), status: f.pick(["PROCESSING", "SHIPPED", "CANCELLED", "DELIVERED"]) }),
    ],
    ...ACCOUNT_EMAIL_OPERATIONS(f),
    ...ACCOUNT_MANAGEMENT_OPERATIONS(f),
  ];
  return () => {
    const [name, document, template] = f.pick(operations);
    const query = print(document);
    const variables = f.mutate(template());
    const roll = f.random();
    const payload =
      roll < 0.05
        ? f.hostile()
        : roll < 0.1
          ? { query: f.randomText(60) }
          : roll < 0.13
            ? { query, variables: "not an object", operationName: f.hostile() }
            : { query, variables };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (f.chance(0.05))
      headers.authorization = f.pick(["Bearer x.y.z", "Bearer ", "Basic Zm9vOmJhcg==", `Bearer ${"a".repeat(5000)}`]);
    return {
      label: `GraphQL ${name}`,
      url: shop.platform.gatewayUrl,
      method: "POST",
      headers,
      body: JSON.stringify(payload),
      onSuccess(_status, answer) {
        const data = answer?.data;
        if (data?.adjustStock)
          addTo(ledger.adjusted, Number(data.adjustStock.id), Number((variables as { delta: number }).delta));
        if (data?.createProduct) ledger.initial.set(Number(data.createProduct.id), data.createProduct.stockQuantity);
      },
    };
  };
}

/** The account-email mutations (docs/security.md, "Account emails"), with inputs the fuzzer then mutates. */
function ACCOUNT_EMAIL_OPERATIONS(f: Fuzzer): [string, DocumentNode, () => Record<string, unknown>][] {
  const token = () => f.pick(["a".repeat(43), "", "x"]);
  return [
    [
      "signUp",
      parse("mutation FuzzSignUp($input: RegisterInput!) { signUp(input: $input) }"),
      () => ({
        input: {
          email: f.pick(["fuzz1@example.com", `s${f.int(1e9)}@example.com`]),
          username: `s${f.int(1e9)}`,
          password: "password123",
        },
      }),
    ],
    [
      "requestPasswordReset",
      parse("mutation FuzzReset($e: String!) { requestPasswordReset(email: $e) }"),
      () => ({ e: "fuzz1@example.com" }),
    ],
    [
      "resetPassword",
      parse("mutation FuzzResetPassword($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }"),
      () => ({ t: token(), p: "password123" }),
    ],
    ["verifyEmail", parse("mutation FuzzVerify($t: String!) { verifyEmail(token: $t) }"), () => ({ t: token() })],
    [
      "changePassword",
      parse("mutation FuzzChange($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }"),
      () => ({ c: "password123", n: "password123" }),
    ],
    [
      "requestEmailChange",
      parse("mutation FuzzEmail($e: String!, $p: String!) { requestEmailChange(newEmail: $e, password: $p) }"),
      () => ({ e: `m${f.int(1e9)}@example.com`, p: "password123" }),
    ],
  ];
}

/**
 * Account management (docs/security.md, "Accounts"): profile edits, closing, export, admins. Sent without a
 * valid token they must all be refused; with hostile inputs, refused with a code, never a crash.
 */
function ACCOUNT_MANAGEMENT_OPERATIONS(f: Fuzzer): [string, DocumentNode, () => Record<string, unknown>][] {
  return [
    [
      "updateProfile",
      parse("mutation FuzzProfile($id: ID, $input: UpdateProfileInput!) { updateProfile(id: $id, input: $input) { id } }"),
      () => ({ id: f.id(), input: { fullName: "F", username: `u${f.int(1e9)}` } }),
    ],
    ["closeMyAccount", parse("mutation FuzzCloseMine($p: String!) { closeMyAccount(password: $p) { id } }"), () => ({ p: "x" })],
    ["closeAccount", parse("mutation FuzzClose($id: ID!) { closeAccount(id: $id) { id } }"), () => ({ id: f.id() })],
    ["accountExport", parse("query FuzzExport($id: ID) { accountExport(id: $id) { user { id } } }"), () => ({ id: f.id() })],
    [
      "setRole",
      parse("mutation FuzzRole($id: ID!, $r: Role!) { setRole(id: $id, role: $r) { id } }"),
      () => ({ id: f.id(), r: f.pick(["ADMIN", "CUSTOMER"]) }),
    ],
    ["disableAccount", parse("mutation FuzzDisable($id: ID!) { disableAccount(id: $id) { id } }"), () => ({ id: f.id() })],
    ["enableAccount", parse("mutation FuzzEnable($id: ID!) { enableAccount(id: $id) { id } }"), () => ({ id: f.id() })],
    ["resendVerificationEmail", parse("mutation FuzzResend { resendVerificationEmail }"), () => ({})],
  ];
}

/**
 * Client mistakes Apollo Server (and the gateway's own checks) can meet in a
 * request, each with the status and code a client can act on. Mostly 400; 405,
 * 406 and 415 where HTTP has a more precise word, as Apollo answers them.
 */
interface Mistake {
  /** After the gateway's /graphql: a query string for a GET. */
  search?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  code: string;
}

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");
const persisted = (query: string, version = 1) => ({ persistedQuery: { version, sha256Hash: sha256(query) } });
// A GET that is not a CSRF risk (Apollo's CSRF prevention asks for this header, or a non-simple content type).
const preflighted = { "apollo-require-preflight": "true" };

const CLIENT_MISTAKES: [string, Mistake][] = [
  [
    "an operationName the document does not define",
    { body: { query: "query A { __typename }", operationName: "B" }, status: 400, code: "OPERATION_RESOLUTION_FAILURE" },
  ],
  [
    "no operationName for a document of two operations",
    { body: { query: "query A { __typename } query B { __typename }" }, status: 400, code: "OPERATION_RESOLUTION_FAILURE" },
  ],
  [
    "a persisted-query hash that does not match the query sent with it",
    {
      body: { query: "{ __typename }", extensions: persisted("{ products { nodes { id } } }") },
      status: 400,
      code: "PERSISTED_QUERY_HASH_MISMATCH",
    },
  ],
  [
    "a persisted-query hash the gateway does not hold",
    { body: { extensions: persisted("{ neverSentBefore }") }, status: 400, code: "PERSISTED_QUERY_NOT_FOUND" },
  ],
  [
    "a persisted query of an unknown protocol version",
    { body: { query: "{ __typename }", extensions: persisted("{ __typename }", 2) }, status: 400, code: "BAD_REQUEST" },
  ],
  ["an empty JSON object", { body: {}, status: 400, code: "BAD_REQUEST" }],
  ["no query", { body: { variables: {} }, status: 400, code: "BAD_REQUEST" }],
  ["an empty query", { body: { query: "" }, status: 400, code: "BAD_REQUEST" }],
  ["a query that is not a string", { body: { query: { kind: "Document" } }, status: 400, code: "BAD_REQUEST" }],
  ["variables as a JSON string", { body: { query: "{ __typename }", variables: "{}" }, status: 400, code: "BAD_REQUEST" }],
  ["variables that are not an object", { body: { query: "{ __typename }", variables: 5 }, status: 400, code: "BAD_REQUEST" }],
  ["extensions that are not an object", { body: { query: "{ __typename }", extensions: [1] }, status: 400, code: "BAD_REQUEST" }],
  [
    "an operationName that is not a string",
    { body: { query: "{ __typename }", operationName: 5 }, status: 400, code: "BAD_REQUEST" },
  ],
  ["a batch of operations", { body: [{ query: "{ __typename }" }], status: 400, code: "BAD_REQUEST" }],
  [
    "a subscription over a plain POST",
    { body: { query: "subscription { orderUpdated { id } }" }, status: 400, code: "BAD_REQUEST" },
  ],
  ["text that is not GraphQL", { body: { query: "{ product(" }, status: 400, code: "GRAPHQL_PARSE_FAILED" }],
  ["a field the schema lacks", { body: { query: "{ nothingHere }" }, status: 400, code: "GRAPHQL_VALIDATION_FAILED" }],
  [
    "a required variable left out",
    { body: { query: "query ($id: ID!) { product(id: $id) { id } }", variables: {} }, status: 400, code: "BAD_USER_INPUT" },
  ],
  [
    "a GET without a preflight header (CSRF prevention)",
    { method: "GET", search: `?query=${encodeURIComponent("{ __typename }")}`, status: 400, code: "BAD_REQUEST" },
  ],
  [
    "a GET naming a search parameter twice",
    {
      method: "GET",
      search: "?query=%7B__typename%7D&query=%7B__typename%7D",
      headers: preflighted,
      status: 400,
      code: "BAD_REQUEST",
    },
  ],
  [
    "a GET whose variables are not JSON",
    {
      method: "GET",
      search: `?query=${encodeURIComponent("{ __typename }")}&variables=%7Bnot-json`,
      headers: preflighted,
      status: 400,
      code: "BAD_REQUEST",
    },
  ],
  [
    "a mutation by GET",
    {
      method: "GET",
      search: `?query=${encodeURIComponent("mutation { __typename }")}`,
      headers: preflighted,
      status: 405,
      code: "BAD_REQUEST",
    },
  ],
  ["a PUT", { method: "PUT", body: { query: "{ __typename }" }, status: 405, code: "BAD_REQUEST" }],
  [
    "an Accept header that takes no JSON",
    { body: { query: "{ __typename }" }, headers: { accept: "application/xml" }, status: 406, code: "BAD_REQUEST" },
  ],
  [
    "a GET with a body type other than JSON",
    {
      method: "GET",
      search: `?query=${encodeURIComponent("{ __typename }")}`,
      headers: { ...preflighted, "content-type": "text/plain" },
      status: 415,
      code: "BAD_REQUEST",
    },
  ],
];

describe.each(BACKENDS)("fuzzing the platform (%s)", (backend) => {
  const shop = useRestPlatform(backend);
  const ledger: StockLedger = { initial: new Map(), adjusted: new Map() };

  beforeAll(async () => {
    const gql = shop.platform.client();
    for (let i = 1; i <= 3; i++) await registerUser(gql, `fuzz${i}`);
    for (let i = 1; i <= 6; i++) {
      const id = await createProduct(gql, { name: `Laptop ${i}`, price: `${i}9.99`, stockQuantity: 40, tags: ["t"] });
      ledger.initial.set(Number(id), 40);
    }
  }, 180_000);

  test.each(CLIENT_MISTAKES)("client mistake: %s answers its status and code", async (_mistake, mistake) => {
    const response = await fetch(`${shop.platform.gatewayUrl}${mistake.search ?? ""}`, {
      method: mistake.method ?? "POST",
      headers: { ...(mistake.body === undefined ? {} : { "content-type": "application/json" }), ...mistake.headers },
      body: mistake.body === undefined ? undefined : JSON.stringify(mistake.body),
    });
    const body = await response.json();
    expect([response.status, body.errors?.[0]?.extensions?.code]).toEqual([mistake.status, mistake.code]);
    expect(body.errors[0].message).not.toMatch(INTERNALS);
    expect(body.data).toBeUndefined();
  });

  test(`${REQUESTS_PER_BACKEND} hostile requests (seed ${SEED}): no 5xx, no INTERNAL_SERVER_ERROR, no HTML, no internals; stock adds up`, async () => {
    const f = new Fuzzer(seededRandom(SEED));
    const makers = [restAttempts(f, shop, ledger), graphqlAttempts(f, shop, ledger)];
    const attempts = Array.from({ length: REQUESTS_PER_BACKEND }, () => f.pick(makers)());
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < attempts.length) {
        const index = next++;
        const attempt = attempts[index];
        const response = await fetch(attempt.url, { method: attempt.method, headers: attempt.headers, body: attempt.body });
        const text = await response.text();
        const problems = [
          response.status >= 500 && `status ${response.status}`,
          /INTERNAL_SERVER_ERROR/.test(text) && "INTERNAL_SERVER_ERROR",
          /html/i.test(response.headers.get("content-type") ?? "") && "HTML",
          // /services tells where the legacy services answer, by design.
          !attempt.url.endsWith("/services") && INTERNALS.test(text) && `internal detail: ${text.match(INTERNALS)?.[0]}`,
        ].filter(Boolean);
        if (problems.length) failures.push(`#${index} ${attempt.label}: ${problems.join(", ")} — ${text.slice(0, 300)}`);
        else if (response.ok) {
          const parsed = response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined;
          attempt.onSuccess?.(response.status, parsed);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(failures).toEqual([]);

    // Whatever an order left half-way is driven to its end first, as the recovery worker does.
    await recoverFully(() => shop.platform.subgraphs.orders.recover());
    const products = await shop.platform.subgraphs.products.database.prisma.product.findMany({ orderBy: { id: "asc" } });
    const orders = await shop.platform.subgraphs.orders.database.prisma.order.findMany({ include: { items: true } });
    const liveUnits = new Map<number, number>();
    for (const order of orders) {
      if (order.status === "cancelled") continue;
      for (const item of order.items) addTo(liveUnits, item.productId, item.quantity);
    }
    expect(orders.length).toBeGreaterThan(0);
    const actual = products.map((product) => ({ id: product.id, stock: product.stockQuantity }));
    const expected = products.map((product) => ({
      id: product.id,
      stock: (ledger.initial.get(product.id) ?? NaN) + (ledger.adjusted.get(product.id) ?? 0) - (liveUnits.get(product.id) ?? 0),
    }));
    expect(actual).toEqual(expected);
  }, 180_000);
});
