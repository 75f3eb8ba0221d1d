-- AlterTable
ALTER TABLE "ratchet_start_rates" ADD COLUMN     "rate" TEXT;
