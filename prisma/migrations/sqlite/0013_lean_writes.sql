-- AlterTable
ALTER TABLE "ratchet_outbox" ADD COLUMN "leased_until" DATETIME;
