-- CreateEnum
CREATE TYPE "reservation_state" AS ENUM ('held', 'confirmed', 'released');

-- AlterTable
ALTER TABLE "stock_reservations" ADD COLUMN "state" "reservation_state" NOT NULL DEFAULT 'held';

-- The state the timestamps already tell.
UPDATE "stock_reservations" SET "state" = 'released' WHERE "released_at" IS NOT NULL;
UPDATE "stock_reservations" SET "state" = 'confirmed' WHERE "released_at" IS NULL AND "confirmed_at" IS NOT NULL;

-- DropIndex: recovery reads reservations by state now, not by age.
DROP INDEX "stock_reservations_unsettled_idx";

-- CreateIndex
CREATE INDEX "stock_reservations_state_id_idx" ON "stock_reservations"("state", "id");
