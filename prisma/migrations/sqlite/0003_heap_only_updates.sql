-- DropIndex
DROP INDEX "ratchet_runs_status_updated_idx";

-- DropIndex
DROP INDEX "ratchet_stages_suspended_idx";

-- CreateIndex
CREATE INDEX "ratchet_stages_next_poll_idx" ON "ratchet_stages"("next_poll_at");
