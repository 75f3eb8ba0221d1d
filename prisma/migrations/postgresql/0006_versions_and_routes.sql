-- DropIndex
DROP INDEX "ratchet_jobs_dequeue_idx";

-- DropIndex
DROP INDEX "ratchet_runs_claim_idx";

-- AlterTable
ALTER TABLE "ratchet_jobs" ADD COLUMN     "route" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "fingerprint" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "route" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "workflow_version" TEXT NOT NULL DEFAULT '';

-- Backfill: runs and jobs stored before versions route by their bare workflow id (the kernel
-- serves them on the newest version of their workflow). Only rows that can still be claimed or
-- dequeued are written, so the migration does not rewrite every finished row; a finished run
-- keeps "" until a status change (a rerun) writes its key. Done before the route indexes are
-- built: no indexed column changes (so an update may stay heap-only where its page has room), and
-- the indexes are built once, over the final values.
UPDATE "ratchet_runs" SET "route" = "workflow_id" WHERE "status" IN ('PENDING', 'RUNNING');
UPDATE "ratchet_jobs" SET "route" = "workflow_id" WHERE "status" IN ('PENDING', 'RUNNING');

-- CreateIndex
CREATE INDEX "ratchet_jobs_route_dequeue_idx" ON "ratchet_jobs"("status", "route", "priority" DESC, "available_at", "seq");

-- CreateIndex
CREATE INDEX "ratchet_runs_route_claim_idx" ON "ratchet_runs"("status", "route", "priority" DESC, "created_at");
