-- CreateEnum
CREATE TYPE "account_status" AS ENUM ('active', 'disabled', 'closed');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "status" "account_status" NOT NULL DEFAULT 'active';
