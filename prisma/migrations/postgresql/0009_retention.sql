-- DropIndex
DROP INDEX "ratchet_runs_workflow_status_idx";

-- CreateIndex
CREATE INDEX "ratchet_idempotency_keys_created_idx" ON "ratchet_idempotency_keys"("created_at");

-- CreateIndex
CREATE INDEX "ratchet_runs_workflow_status_idx" ON "ratchet_runs"("workflow_id", "status", "completed_at");

-- CreateIndex
CREATE INDEX "ratchet_runs_status_completed_idx" ON "ratchet_runs"("status", "completed_at");

-- CreateIndex
CREATE INDEX "ratchet_signals_consumed_by_idx" ON "ratchet_signals"("consumed_by");
