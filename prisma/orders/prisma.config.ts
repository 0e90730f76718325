import { defineConfig } from "prisma/config";

// Used by the Prisma CLI (`prisma generate`, `prisma migrate deploy`).
// The services themselves read ORDERS_DATABASE_URL through lib/config.ts.
export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  datasource: { url: process.env.ORDERS_DATABASE_URL ?? "postgresql://localhost:5432/orders" },
});
