-- DropIndex
DROP INDEX "ratchet_jobs_route_dequeue_idx";

-- AlterTable
ALTER TABLE "ratchet_jobs" ADD COLUMN     "order_at" TIMESTAMPTZ(3);

-- Backfill: jobs not finished take their place in the fair dequeue order (see jobOrderAt in the
-- kernel: the run's creation time, no earlier than 60 s before the job's availability).
UPDATE "ratchet_jobs" AS j SET "order_at" = GREATEST(COALESCE((SELECT r.created_at FROM "ratchet_runs" r WHERE r.id = j.run_id), j.available_at), j.available_at - interval '60 seconds')
WHERE j.status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED');

-- CreateIndex
CREATE INDEX "ratchet_jobs_route_dequeue_idx" ON "ratchet_jobs"("status", "route", "priority" DESC, "order_at", "seq") WHERE (status = 'PENDING');
