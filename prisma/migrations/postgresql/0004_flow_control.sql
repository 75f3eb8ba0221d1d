-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "concurrency_key" TEXT,
ADD COLUMN     "control" TEXT NOT NULL DEFAULT '{}';

-- CreateIndex
CREATE INDEX "ratchet_runs_concurrency_idx" ON "ratchet_runs"("status", "concurrency_key");
