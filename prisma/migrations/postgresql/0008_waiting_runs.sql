-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "waiting" BOOLEAN NOT NULL DEFAULT false;
