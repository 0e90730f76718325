-- AlterTable
ALTER TABLE "stock_reservations" ADD COLUMN "confirmed_at" TIMESTAMPTZ(3);

-- CreateIndex: the sweep for reservations whose order was never recorded reads only these.
CREATE INDEX "stock_reservations_unsettled_idx" ON "stock_reservations"("created_at") WHERE "released_at" IS NULL AND "confirmed_at" IS NULL;
