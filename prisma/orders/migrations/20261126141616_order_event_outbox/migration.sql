-- CreateTable
CREATE TABLE "order_event_outbox" (
    "position" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "order_id" INTEGER NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_event_outbox_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE UNIQUE INDEX "order_event_outbox_event_id_key" ON "order_event_outbox"("event_id");

-- CreateIndex
CREATE INDEX "order_event_outbox_order_id_position_idx" ON "order_event_outbox"("order_id", "position");
