-- The claim index holds pending runs only. A run's claim and its end change its status, which is
-- indexed, so neither update is heap-only; each wrote an entry into every index whose rows it
-- still belonged to, the claim index included, for runs no claim ever reads again. Claims name
-- `status = 'PENDING'` as a literal, so they use the partial index in custom and generic plans
-- alike (route-plans checks both); other readers by status use the (status, completed_at) index.
-- The rebuild reads the table once and writes entries for the pending runs alone.
DROP INDEX "ratchet_runs_route_claim_idx";

CREATE INDEX "ratchet_runs_route_claim_idx" ON "ratchet_runs"("status", "route", "priority" DESC, "created_at") WHERE (status = 'PENDING');
