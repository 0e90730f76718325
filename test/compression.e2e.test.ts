import zlib from "node:zlib";
import { request } from "undici";
import { PLATFORM_START_TIMEOUT_MS } from "./support/rest-platform";
import { useRestPlatform } from "./support/use-platform";

// Compressed answers on the public ports (/graphql, the REST API), read as raw bytes (fetch would decode them
// itself): each encoding decodes to the very JSON of the plain answer, and small answers go plain. The database
// does not matter here: one run, on PGlite.

const TAG = "compressible";
const BIG_QUERY = `{ productsByTags(tags: ["${TAG}"]) { id name description price tags } }`;
const SMALL_QUERY = `{ product(id: "1") { id } }`;

async function raw(url: string, init: { method?: "GET" | "POST"; body?: string; acceptEncoding?: string } = {}) {
  const response = await request(url, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body && { "content-type": "application/json" }),
      ...(init.acceptEncoding && { "accept-encoding": init.acceptEncoding }),
    },
    body: init.body,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return {
    status: response.statusCode,
    encoding: response.headers["content-encoding"],
    vary: String(response.headers.vary ?? ""),
    bytes,
  };
}

const decoders: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: (bytes) => zlib.gunzipSync(bytes),
  br: (bytes) => zlib.brotliDecompressSync(bytes),
};

describe("compressed answers", () => {
  const platform = useRestPlatform("pglite");
  const graphql = (query: string, acceptEncoding?: string) =>
    raw(platform.platform.gatewayUrl, { method: "POST", body: JSON.stringify({ query }), acceptEncoding });

  beforeAll(async () => {
    // A catalogue page well over 1 KB.
    for (let i = 1; i <= 8; i += 1) {
      await platform.platform.client().request(`mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
        input: {
          name: `Compressible product ${i}`,
          description: `A description long enough to repeat itself: ${"stemmed words, tags and prices ".repeat(6)}`,
          price: "19.99",
          stockQuantity: 5,
          category: "Tests",
          tags: [TAG],
        },
      });
    }
  }, PLATFORM_START_TIMEOUT_MS);

  test.each(["gzip", "br"])(
    "a GraphQL answer over 1 KB comes %s-encoded and decodes to the plain answer's JSON",
    async (encoding) => {
      const plain = await graphql(BIG_QUERY);
      expect(plain.encoding).toBeUndefined();
      expect(plain.bytes.length).toBeGreaterThan(1024);
      const answer = JSON.parse(plain.bytes.toString("utf8")) as { data: { productsByTags: unknown[] } };
      expect(answer.data.productsByTags).toHaveLength(8);

      const compressed = await graphql(BIG_QUERY, encoding === "br" ? "gzip, deflate, br" : "gzip, deflate");
      expect(compressed).toMatchObject({ status: 200, encoding });
      expect(compressed.vary).toMatch(/accept-encoding/i);
      expect(compressed.bytes.length).toBeLessThan(plain.bytes.length);
      expect(JSON.parse(decoders[encoding](compressed.bytes).toString("utf8"))).toEqual(answer);
    },
  );

  test.each(["gzip", "br"])(
    "a REST answer over 1 KB comes %s-encoded and decodes to the plain answer's JSON",
    async (encoding) => {
      const url = `${platform.shim.urls.legacyGateway}/api/products/tags?tag=${TAG}`;
      const plain = await raw(url);
      expect(plain).toMatchObject({ status: 200, encoding: undefined });
      expect(plain.bytes.length).toBeGreaterThan(1024);

      const compressed = await raw(url, { acceptEncoding: encoding });
      expect(compressed).toMatchObject({ status: 200, encoding });
      expect(compressed.vary).toMatch(/accept-encoding/i);
      expect(JSON.parse(decoders[encoding](compressed.bytes).toString("utf8"))).toEqual(JSON.parse(plain.bytes.toString("utf8")));
    },
  );

  test("answers under 1 KB go plain, still saying they vary by Accept-Encoding", async () => {
    const small = await graphql(SMALL_QUERY, "gzip, br");
    expect(small).toMatchObject({ status: 200, encoding: undefined });
    expect(small.bytes.length).toBeLessThan(1024);
    expect(JSON.parse(small.bytes.toString("utf8"))).toEqual({ data: { product: { id: "1" } } });
    expect(small.vary).toMatch(/accept-encoding/i);

    const health = await raw(`${platform.shim.urls.legacyGateway}/health`, { acceptEncoding: "gzip, br" });
    expect(health).toMatchObject({ status: 200, encoding: undefined });
    expect(health.vary).toMatch(/accept-encoding/i);
  });

  test("a client that accepts neither gets the plain answer", async () => {
    const answer = await graphql(BIG_QUERY, "identity");
    expect(answer).toMatchObject({ status: 200, encoding: undefined });
    expect(answer.bytes.length).toBeGreaterThan(1024);
  });
});
