import DataLoader from "dataloader";
import { z } from "zod";
import { Prisma, type Product } from "../../../prisma/products/generated/client/client";
import { badInput, notFound } from "../../../lib/errors";
import { listSize, parseInput, searchText } from "../../shared/validation";
import type { CreateProductInput, ProductFilter, UpdateProductInput } from "./__generated__/resolvers-types";
import type { CatalogueChanges } from "./catalogue-changes";
import type { ProductsPrisma } from "./database";
import type { ProductCache } from "./product-cache";

/** The catalogue: creating, finding, listing and searching products. Stock lives in StockService. */

const MAX_PRICE = new Prisma.Decimal("99999999.99"); // numeric(10, 2)

const Tags = z
  .array(z.string().trim().min(1, "must not be blank").max(50))
  .max(50)
  .transform((tags) => [...new Set(tags)]);

const Name = z.string().trim().min(1, "must not be blank").max(255);
const Description = z.string().max(10_000);
const Price = z
  .instanceof(Prisma.Decimal)
  .refine((price) => price.gte(0), "must not be negative")
  .refine((price) => price.lte(MAX_PRICE), "is too large");
const Category = z.string().trim().max(100);

const CreateProduct = z.object({
  name: Name,
  description: Description.nullish().transform((text) => text ?? ""),
  price: Price,
  stockQuantity: z
    .number()
    .int()
    .min(0, "must not be negative")
    .max(2_147_483_647)
    .nullish()
    .transform((n) => n ?? 0),
  category: Category.nullish().transform((text) => text ?? ""),
  tags: Tags.nullish().transform((tags) => tags ?? []),
});

/** Null means "leave as it is", like an absent field. */
const UpdateProduct = z.object({
  name: Name.nullish().transform((value) => value ?? undefined),
  description: Description.nullish().transform((value) => value ?? undefined),
  price: Price.nullish().transform((value) => value ?? undefined),
  category: Category.nullish().transform((value) => value ?? undefined),
  tags: Tags.nullish().transform((value) => value ?? undefined),
});

/** Archived products are kept for the orders that hold them, but are no longer listed, found or sold. */
const ON_SALE = { archivedAt: null } satisfies Prisma.ProductWhereInput;

export interface ProductPage {
  nodes: Product[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

/**
 * Built per request, so its loader batches and caches within one request only.
 * Reads by id and catalogue pages go through the shared read cache when there
 * is one (product-cache.ts); every write goes through `changes`.
 */
export class ProductService {
  private readonly loader: DataLoader<number, Product | null>;

  constructor(
    private readonly prisma: ProductsPrisma,
    private readonly changes: CatalogueChanges,
    private readonly cache?: ProductCache,
  ) {
    this.loader = new DataLoader(async (ids) => {
      const cached = cache ? await cache.lookup(ids) : undefined;
      const missing = cached ? ids.filter((id) => !cached.found.has(id)) : [...ids];
      const read = missing.length ? await prisma.product.findMany({ where: { id: { in: missing } } }) : [];
      if (cached) await cache!.store(read, cached.versions);
      const byId = new Map([...(cached?.found ?? []), ...read.map((product) => [product.id, product] as const)]);
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  /** Batched: every lookup of one request (entity references included) is one query. */
  findById(id: number): Promise<Product | null> {
    return this.loader.load(id);
  }

  create(input: CreateProductInput): Promise<Product> {
    const data = parseInput(CreateProduct, input);
    return this.changes.write([], async (touch) => {
      const product = await this.prisma.product.create({ data });
      touch(product.id);
      return product;
    });
  }

  update(id: number, input: UpdateProductInput): Promise<Product> {
    const data = parseInput(UpdateProduct, input);
    return this.changes.write([id], async () => {
      const { count } = await this.prisma.product.updateMany({ where: { id }, data });
      if (count === 0) throw notFound("Product not found");
      return (await this.prisma.product.findUnique({ where: { id } }))!;
    });
  }

  /** Withdraws a product from sale; archiving it again changes nothing. */
  archive(id: number): Promise<Product> {
    return this.changes.write([id], async () => {
      await this.prisma.product.updateMany({ where: { id, ...ON_SALE }, data: { archivedAt: new Date() } });
      const product = await this.prisma.product.findUnique({ where: { id } });
      if (!product) throw notFound("Product not found");
      return product;
    });
  }

  async list(filter: ProductFilter | null | undefined, first: number, after: string | null | undefined): Promise<ProductPage> {
    listSize(first, "first");
    if ((filter?.category?.length ?? 0) > 100) throw badInput("category must be at most 100 characters", { field: "category" });
    const tags = filter?.tags ? parseInput(Tags, filter.tags) : undefined;
    const where: Prisma.ProductWhereInput = {
      ...ON_SALE,
      ...(filter?.category ? { category: filter.category } : {}),
      ...(tags?.length ? { tags: { hasEvery: tags } } : {}),
      price: { ...(filter?.minPrice ? { gte: filter.minPrice } : {}), ...(filter?.maxPrice ? { lte: filter.maxPrice } : {}) },
      ...(after ? { id: { gt: decodeCursor(after) } } : {}),
    };
    const read = async (): Promise<ProductPage> => {
      const rows = await this.prisma.product.findMany({ where, orderBy: { id: "asc" }, take: first + 1 });
      const nodes = rows.slice(0, first);
      return {
        nodes,
        pageInfo: { hasNextPage: rows.length > first, endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1].id) : null },
      };
    };
    // Keyed by the validated query: the same page for everyone who asks it.
    return this.cache ? this.cache.page({ where, first }, read) : read();
  }

  /** Full-text search (English stemming) over name and description, best rank first. */
  async search(query: string, limit: number): Promise<Product[]> {
    searchText(query);
    const ranked = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM products
      WHERE search_vector @@ websearch_to_tsquery('english', ${query}) AND archived_at IS NULL
      ORDER BY ts_rank(search_vector, websearch_to_tsquery('english', ${query})) DESC, id
      LIMIT ${listSize(limit, "limit")}`;
    return this.inOrder(ranked.map((row) => row.id));
  }

  /** Products carrying every one of the tags (GIN-indexed `tags @> $1`). */
  byTags(tagList: string[], limit: number): Promise<Product[]> {
    const tags = parseInput(Tags, tagList);
    if (tags.length === 0) throw badInput("At least one tag is required");
    return this.prisma.product.findMany({
      where: { ...ON_SALE, tags: { hasEvery: tags } },
      orderBy: { id: "asc" },
      take: listSize(limit, "limit"),
    });
  }

  private async inOrder(ids: number[]): Promise<Product[]> {
    const products = await this.prisma.product.findMany({ where: { id: { in: ids } } });
    const byId = new Map(products.map((product) => [product.id, product]));
    return ids.map((id) => byId.get(id)).filter((product): product is Product => product !== undefined);
  }
}

function encodeCursor(id: number): string {
  return Buffer.from(`product:${id}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  // A cursor this service wrote is short and holds an id that fits the id column.
  const match = cursor.length <= 40 ? /^product:(\d{1,10})$/.exec(Buffer.from(cursor, "base64url").toString()) : null;
  if (!match || Number(match[1]) > 2_147_483_647)
    throw badInput("after is not a cursor returned by products", { field: "after" });
  return Number(match[1]);
}
