-- CreateEnum
CREATE TYPE "stock_state" AS ENUM ('reserved', 'confirmed', 'release_pending', 'released');

-- CreateEnum
CREATE TYPE "placement_state" AS ENUM ('awaiting_stock', 'placed', 'rejecting', 'rejected');

-- DropIndex
DROP INDEX "orders_user_id_created_at_idx";

-- AlterTable
ALTER TABLE "orders" ADD COLUMN "stock_state" "stock_state" NOT NULL DEFAULT 'reserved';

-- Orders recorded before this migration: recovery confirms their reservations
-- (idempotent), and gives back those of cancelled orders, whose release may have
-- failed for good under the old code (releasing twice gives back once).
UPDATE "orders" SET "stock_state" = 'release_pending' WHERE "status" = 'cancelled';

-- CreateTable
CREATE TABLE "order_status_changes" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "status" "order_status" NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_status_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_placements" (
    "reservation_id" UUID NOT NULL,
    "idempotency_scope" VARCHAR(100) NOT NULL,
    "idempotency_key" VARCHAR(255),
    "request_hash" CHAR(64) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "lines" JSONB NOT NULL,
    "state" "placement_state" NOT NULL DEFAULT 'awaiting_stock',
    "order_id" INTEGER,
    "rejection" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "order_placements_pkey" PRIMARY KEY ("reservation_id")
);

-- The history of orders recorded before this migration: placed, then where they are now.
INSERT INTO "order_status_changes" ("order_id", "status", "changed_at")
SELECT "id", 'pending', "created_at" FROM "orders" ORDER BY "id";
INSERT INTO "order_status_changes" ("order_id", "status", "changed_at")
SELECT "id", "status", "updated_at" FROM "orders" WHERE "status" <> 'pending' ORDER BY "id";

-- CreateIndex
CREATE INDEX "orders_user_id_id_idx" ON "orders"("user_id", "id" DESC);

-- CreateIndex
CREATE INDEX "orders_stock_state_idx" ON "orders"("stock_state");

-- CreateIndex
CREATE INDEX "order_status_changes_order_id_id_idx" ON "order_status_changes"("order_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "order_placements_order_id_key" ON "order_placements"("order_id");

-- CreateIndex
CREATE INDEX "order_placements_state_idx" ON "order_placements"("state");

-- CreateIndex
CREATE UNIQUE INDEX "order_placements_idempotency_scope_idempotency_key_key" ON "order_placements"("idempotency_scope", "idempotency_key");

-- AddForeignKey
ALTER TABLE "order_status_changes" ADD CONSTRAINT "order_status_changes_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_placements" ADD CONSTRAINT "order_placements_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;
