import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunningGateway } from "../gateway/src/gateway";
import { documentId, TRUSTED_DOCUMENTS_FILE } from "../gateway/src/persisted-documents";
import { readmeExampleTabs } from "../gateway/src/playground-examples";
import { seedSampleCatalogue } from "../scripts/seed-sample-catalogue";
import { projectDocuments, trustedDocumentsManifest } from "../scripts/trusted-documents";
import { BACKENDS } from "./support/databases";
import { getFrom as get, persisted, postTo as post, refusalOf } from "./support/persisted-documents";
import { startGatewayBeside } from "./support/platform";
import { useRestPlatform } from "./support/use-platform";

// Trusted documents (GRAPHQL_TRUSTED_DOCUMENTS) through the real gateway over the real subgraphs: require, allow
// and off, the REST ports under require, the operator's file, and the checked-in manifest's freshness. The REST
// calls write to the database: both backends.

const NOT_ALLOWED = { status: 400, code: "PERSISTED_QUERY_NOT_ALLOWED" };

/** A listed document: the playground's README example asking for product 1. */
const PRODUCT_TAB = readmeExampleTabs().find((tab) => tab.query.includes('product(id: "1")'))!.query;
/** Not listed anywhere. */
const UNLISTED = `{ products(first: 3) { nodes { id name } } }`;
/** The operator's own document, listed in the file GRAPHQL_TRUSTED_DOCUMENTS_FILE names. */
const OPERATOR_DOCUMENT = `query OperatorCatalogue { products(first: 10) { nodes { name } } }`;

test("the checked-in manifest lists exactly the project's documents (else: npm run trusted-documents)", () => {
  expect(fs.readFileSync(TRUSTED_DOCUMENTS_FILE, "utf8")).toBe(trustedDocumentsManifest());
  const listed = JSON.parse(fs.readFileSync(TRUSTED_DOCUMENTS_FILE, "utf8")) as Record<string, string>;
  for (const text of projectDocuments()) expect(listed[documentId(text)]).toBe(text);
  // The shim's login, the seed's, a playground tab: one of each source at least.
  expect(Object.values(listed)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^mutation RestLogin/),
      expect.stringMatching(/^mutation SeedLogin/),
      PRODUCT_TAB,
    ]),
  );
});

describe.each(BACKENDS)("trusted documents on %s", (backend) => {
  /** GRAPHQL_TRUSTED_DOCUMENTS=require, with the REST shim in front, introspection on (open mode's default). */
  let requireMode: RunningGateway;
  let allowMode: RunningGateway;
  let offMode: RunningGateway;
  /** require, introspection off, and the operator's file. */
  let strict: RunningGateway;
  let dir: string;

  // Declared before the platform's, so the gateways beside it close before it stops.
  afterAll(async () => {
    for (const gateway of [allowMode, offMode, strict]) await gateway?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const rest = useRestPlatform(backend, {}, { gateway: { trustedDocuments: { mode: "require" } } });
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trusted-"));
    const operatorFile = path.join(dir, "operator-documents.json");
    fs.writeFileSync(operatorFile, JSON.stringify({ [documentId(OPERATOR_DOCUMENT)]: OPERATOR_DOCUMENT }));
    requireMode = rest.platform.gateway;
    const beside = (settings: Partial<Parameters<typeof startGatewayBeside>[1]>) =>
      startGatewayBeside(rest.platform, {
        subgraphTimeoutMs: 10_000,
        rateLimits: { perClientPerMinute: 100_000, perUserPerMinute: 100_000 },
        ...settings,
      }) as Promise<RunningGateway>;
    allowMode = await beside({ trustedDocuments: { mode: "allow" }, introspection: true });
    offMode = await beside({ trustedDocuments: { mode: "off" }, introspection: true });
    strict = await beside({ trustedDocuments: { mode: "require", file: operatorFile }, introspection: false });
    // The seed's documents are listed: it fills the catalogue through the gateway in require mode.
    await seedSampleCatalogue(rest.platform.gatewayUrl, () => undefined);
  });

  const PRODUCT_1 = { product: { name: "Laptop Pro 15", price: "1299.99", stockQuantity: 50, tags: expect.any(Array) } };

  describe("require", () => {
    test("a listed document runs by its exact text, and by its id over POST and GET", async () => {
      const byText = await post(requireMode, { query: PRODUCT_TAB });
      expect(byText).toEqual({ status: 200, body: { data: PRODUCT_1 } });
      expect(await post(requireMode, { extensions: persisted(documentId(PRODUCT_TAB)) })).toEqual(byText);
      expect(await get(requireMode, { extensions: persisted(documentId(PRODUCT_TAB)) })).toEqual(byText);
    });

    test("anything else is refused with 400 PERSISTED_QUERY_NOT_ALLOWED, before it runs", async () => {
      expect(refusalOf(await post(requireMode, { query: UNLISTED }))).toEqual(NOT_ALLOWED);
      expect(refusalOf(await get(requireMode, { query: UNLISTED }))).toEqual(NOT_ALLOWED);
      // The same document but one space: exact text, nothing normalised.
      expect(refusalOf(await post(requireMode, { query: PRODUCT_TAB.replace("{", " {") }))).toEqual(NOT_ALLOWED);
      // An id nobody listed, and an APQ registration of an unlisted document: neither sneaks one in.
      expect(refusalOf(await post(requireMode, { extensions: persisted(documentId(UNLISTED)) }))).toEqual(NOT_ALLOWED);
      expect(refusalOf(await post(requireMode, { query: UNLISTED, extensions: persisted(documentId(UNLISTED)) }))).toEqual(
        NOT_ALLOWED,
      );
      // A mutation that would write, refused: nothing was created.
      const create = `mutation { createProduct(input: { name: "Sneaked in", price: "1", stockQuantity: 1, category: "X" }) { id } }`;
      expect(refusalOf(await post(requireMode, { query: create }))).toEqual(NOT_ALLOWED);
      const names = await post(requireMode, { query: PRODUCT_TAB });
      expect(names.status).toBe(200);
      expect(await rest.rest("products").get("/api/products/search?q=Sneaked")).toMatchObject({ status: 200, body: [] });
    });

    test("introspection-only documents run where introspection is on (the playground's docs), and are refused where it is off", async () => {
      const introspection = `query IntrospectionQuery { __schema { queryType { name } } }`;
      expect(await post(requireMode, { query: introspection })).toEqual({
        status: 200,
        body: { data: { __schema: { queryType: { name: "Query" } } } },
      });
      expect(refusalOf(await post(strict, { query: introspection }))).toEqual(NOT_ALLOWED);
      // An introspection field beside a data field is not introspection only.
      expect(refusalOf(await post(requireMode, { query: `{ __typename products(first: 1) { nodes { id } } }` }))).toEqual(
        NOT_ALLOWED,
      );
    });

    test("the operator's file extends the manifest", async () => {
      const answer = await post(strict, { query: OPERATOR_DOCUMENT });
      expect(answer.status).toBe(200);
      expect(answer.body.data!.products.nodes).toHaveLength(5);
      expect((await post(strict, { extensions: persisted(documentId(OPERATOR_DOCUMENT)) })).body).toEqual(answer.body);
      expect(refusalOf(await post(requireMode, { query: OPERATOR_DOCUMENT }))).toEqual(NOT_ALLOWED);
      expect((await post(strict, { query: PRODUCT_TAB })).body).toEqual({ data: PRODUCT_1 });
    });

    test("an operator file whose id is not its text's sha256 stops the gateway's start", async () => {
      const broken = path.join(dir, "broken.json");
      fs.writeFileSync(broken, JSON.stringify({ [documentId("{ a }")]: "{ b }" }));
      await expect(
        startGatewayBeside(rest.platform, { subgraphTimeoutMs: 10_000, trustedDocuments: { mode: "require", file: broken } }),
      ).rejects.toThrow(/not the text whose sha256 that is/);
    });

    test("the REST ports keep working: register, log in, read, order, move the order", async () => {
      const users = rest.rest("users");
      const email = `trusted-${backend}@example.com`;
      const registered = await users.post("/register", {
        email,
        username: `trusted${backend}`,
        password: "securepassword123",
        full_name: "Trusted Client",
      });
      expect(registered.status).toBe(200);
      const login = await users.post("/login", { email, password: "securepassword123" });
      expect(login.status).toBe(200);
      expect(login.body.user.email).toBe(email);
      const userId = registered.body.user_id;
      expect((await rest.rest("products").get("/api/products/1")).body).toMatchObject({ id: 1, name: "Laptop Pro 15" });

      const orders = rest.rest("orders");
      const placed = await orders.post("/api/orders", { user_id: userId, items: [{ product_id: 2, quantity: 1 }] });
      expect(placed.status).toBe(201);
      const orderId = placed.body.order_id;
      expect((await orders.patch(`/api/orders/${orderId}/status`, { status: "shipped" })).status).toBe(200);
      expect((await orders.get(`/api/orders/${orderId}`)).body).toMatchObject({ id: orderId, status: "shipped" });
      // And through the legacy gateway port.
      expect((await rest.rest("legacyGateway").get("/api/products/2")).body).toMatchObject({ id: 2 });
    });
  });

  describe("allow", () => {
    test("a listed document runs by id; any other document still runs by text; an unknown id is PERSISTED_QUERY_NOT_FOUND", async () => {
      expect(await post(allowMode, { extensions: persisted(documentId(PRODUCT_TAB)) })).toEqual({
        status: 200,
        body: { data: PRODUCT_1 },
      });
      const unlisted = await post(allowMode, { query: UNLISTED });
      expect(unlisted.status).toBe(200);
      expect(unlisted.body.data!.products.nodes).toHaveLength(3);
      const unknown = `{ products(first: 4) { nodes { id } } }`;
      expect(refusalOf(await post(allowMode, { extensions: persisted(documentId(unknown)) }))).toEqual({
        status: 400,
        code: "PERSISTED_QUERY_NOT_FOUND",
      });
    });
  });

  describe("off", () => {
    test("any document runs; the manifest's ids mean nothing (APQ alone)", async () => {
      expect((await post(offMode, { query: UNLISTED })).status).toBe(200);
      expect(refusalOf(await post(offMode, { extensions: persisted(documentId(PRODUCT_TAB)) }))).toEqual({
        status: 400,
        code: "PERSISTED_QUERY_NOT_FOUND",
      });
    });
  });
});
