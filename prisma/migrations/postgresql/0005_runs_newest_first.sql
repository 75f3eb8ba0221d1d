-- CreateIndex
-- Newest-first run listings (RunQueries.listRuns). A plain CREATE INDEX holds writes to
-- ratchet_runs while it builds (1.4 s for a million narrow rows here); CONCURRENTLY cannot run in
-- the migrator's transaction.
CREATE INDEX "ratchet_runs_created_idx" ON "ratchet_runs"("created_at", "id");
