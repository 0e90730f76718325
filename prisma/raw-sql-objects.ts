import type { SubgraphName } from "../lib/config";

/**
 * The database objects that the migrations create but schema.prisma cannot
 * express: generated columns (Prisma sees only `Unsupported("tsvector")?`),
 * indexes over them or with a WHERE clause, and CHECK constraints. This is the
 * one list of them. The drift check (scripts/migration-check.ts, run by
 * test/migrations-drift.test.ts) removes exactly these from a database built
 * by the migrations, then requires Prisma's own diff to that database from
 * schema.prisma to be empty and nothing of these kinds to be left over. So an
 * entry here that no migration creates fails, and so does such an object
 * that a migration creates without an entry here.
 *
 * When a migration adds or drops one of these, add or remove its entry.
 */
export type RawSqlObject =
  | { kind: "generated column"; table: string; column: string; why: string }
  | { kind: "index"; table: string; name: string; why: string }
  | { kind: "check constraint"; table: string; name: string; why: string };

export const RAW_SQL_OBJECTS: Record<SubgraphName, RawSqlObject[]> = {
  users: [
    {
      kind: "generated column",
      table: "users",
      column: "search_vector",
      why: "full-text search over email, username and full name",
    },
    { kind: "index", table: "users", name: "users_search_vector_idx", why: "GIN index for the full-text search" },
    { kind: "check constraint", table: "users", name: "users_email_lowercase", why: "emails are unique ignoring case" },
    { kind: "check constraint", table: "users", name: "users_username_not_blank", why: "a username is never blank" },
  ],
  products: [
    {
      kind: "generated column",
      table: "products",
      column: "search_vector",
      why: "full-text search over name (weight A) and description (weight B)",
    },
    { kind: "index", table: "products", name: "products_search_vector_idx", why: "GIN index for the full-text search" },
    { kind: "check constraint", table: "products", name: "products_price_not_negative", why: "never a negative price" },
    { kind: "check constraint", table: "products", name: "products_stock_not_negative", why: "stock is never oversold" },
    { kind: "check constraint", table: "products", name: "products_name_not_blank", why: "a product always has a name" },
    {
      kind: "check constraint",
      table: "stock_reservation_lines",
      name: "stock_reservation_lines_quantity_positive",
      why: "a reserved line takes at least one unit",
    },
    {
      kind: "check constraint",
      table: "stock_reservation_lines",
      name: "stock_reservation_lines_unit_price_not_negative",
      why: "never a negative price",
    },
  ],
  orders: [
    { kind: "check constraint", table: "orders", name: "orders_total_amount_not_negative", why: "never a negative total" },
    {
      kind: "check constraint",
      table: "order_items",
      name: "order_items_quantity_positive",
      why: "a line orders at least one unit",
    },
    { kind: "check constraint", table: "order_items", name: "order_items_price_not_negative", why: "never a negative price" },
  ],
};
