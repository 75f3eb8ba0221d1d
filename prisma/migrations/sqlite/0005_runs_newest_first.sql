-- CreateIndex
CREATE INDEX "ratchet_runs_created_idx" ON "ratchet_runs"("created_at", "id");
