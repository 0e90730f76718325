-- AlterTable: an archived product is withdrawn from sale (hidden from listings, not orderable) but kept for old orders.
ALTER TABLE "products" ADD COLUMN "archived_at" TIMESTAMPTZ(3);
