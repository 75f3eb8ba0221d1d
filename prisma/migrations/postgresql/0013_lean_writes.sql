-- DropIndex
DROP INDEX "ratchet_jobs_lease_idx";

-- DropIndex
DROP INDEX "ratchet_jobs_route_dequeue_idx";

-- DropIndex
DROP INDEX "ratchet_outbox_unpublished_idx";

-- DropIndex
DROP INDEX "ratchet_runs_concurrency_idx";

-- DropIndex
DROP INDEX "ratchet_runs_parent_idx";

-- DropIndex
DROP INDEX "ratchet_stages_next_poll_idx";

-- AlterTable
ALTER TABLE "ratchet_outbox" ADD COLUMN     "leased_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "ratchet_jobs_route_dequeue_idx" ON "ratchet_jobs"("status", "route", "priority" DESC, "available_at", "seq") WHERE (status = 'PENDING');

-- CreateIndex
CREATE INDEX "ratchet_jobs_lease_idx" ON "ratchet_jobs"("status", "locked_until") WHERE (status = 'RUNNING');

-- CreateIndex
CREATE INDEX "ratchet_outbox_unpublished_idx" ON "ratchet_outbox"("published_at", "dlq_at", "available_at") WHERE (published_at IS NULL AND dlq_at IS NULL);

-- CreateIndex
CREATE INDEX "ratchet_runs_concurrency_idx" ON "ratchet_runs"("status", "concurrency_key") WHERE (concurrency_key IS NOT NULL);

-- CreateIndex
CREATE INDEX "ratchet_runs_parent_idx" ON "ratchet_runs"("parent_run_id") WHERE (parent_run_id IS NOT NULL);

-- CreateIndex
CREATE INDEX "ratchet_stages_next_poll_idx" ON "ratchet_stages"("next_poll_at") WHERE (next_poll_at IS NOT NULL);

-- Room in each page for the claim's heap-only update of leased_until (an event is claimed soon
-- after its insert, usually while its page still has room). Applies to pages written from now on.
ALTER TABLE "ratchet_outbox" SET (fillfactor = 80);
