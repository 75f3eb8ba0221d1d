-- DropIndex
DROP INDEX "ratchet_runs_status_updated_idx";

-- DropIndex
DROP INDEX "ratchet_stages_suspended_idx";

-- CreateIndex
CREATE INDEX "ratchet_stages_next_poll_idx" ON "ratchet_stages"("next_poll_at");

-- Room in each page for heap-only (HOT) updates: a run and its stages are updated a few times
-- each, and a HOT update writes no index entry and far less WAL. Applies to pages written from
-- now on.
ALTER TABLE "ratchet_runs" SET (fillfactor = 70);
ALTER TABLE "ratchet_stages" SET (fillfactor = 70);
