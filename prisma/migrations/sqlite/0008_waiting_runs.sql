-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ratchet_runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workflow_id" TEXT NOT NULL,
    "workflow_version" TEXT NOT NULL DEFAULT '',
    "fingerprint" TEXT NOT NULL DEFAULT '',
    "route" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "input" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "metadata" TEXT NOT NULL,
    "control" TEXT NOT NULL DEFAULT '{}',
    "concurrency_key" TEXT,
    "output" TEXT,
    "error" TEXT,
    "current_group" INTEGER NOT NULL DEFAULT 0,
    "group_remaining" INTEGER NOT NULL DEFAULT 0,
    "event_seq" INTEGER NOT NULL DEFAULT 0,
    "idempotency_key" TEXT,
    "parent_run_id" TEXT,
    "waiting" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "completed_at" DATETIME
);
INSERT INTO "new_ratchet_runs" ("completed_at", "concurrency_key", "config", "control", "created_at", "current_group", "error", "event_seq", "fingerprint", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "parent_run_id", "priority", "route", "started_at", "status", "updated_at", "version", "workflow_id", "workflow_version") SELECT "completed_at", "concurrency_key", "config", "control", "created_at", "current_group", "error", "event_seq", "fingerprint", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "parent_run_id", "priority", "route", "started_at", "status", "updated_at", "version", "workflow_id", "workflow_version" FROM "ratchet_runs";
DROP TABLE "ratchet_runs";
ALTER TABLE "new_ratchet_runs" RENAME TO "ratchet_runs";
CREATE INDEX "ratchet_runs_route_claim_idx" ON "ratchet_runs"("status", "route", "priority" DESC, "created_at");
CREATE INDEX "ratchet_runs_workflow_status_idx" ON "ratchet_runs"("workflow_id", "status");
CREATE INDEX "ratchet_runs_concurrency_idx" ON "ratchet_runs"("status", "concurrency_key");
CREATE INDEX "ratchet_runs_created_idx" ON "ratchet_runs"("created_at", "id");
CREATE INDEX "ratchet_runs_parent_idx" ON "ratchet_runs"("parent_run_id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: runs already waiting on a suspended stage of their current group (a sleep or a
-- poll stored before the flag) are marked, so the stuck-run reaper stops reading them too.
UPDATE "ratchet_runs" SET "waiting" = true
WHERE "status" = 'RUNNING' AND EXISTS (
  SELECT 1 FROM "ratchet_stages" s
  WHERE s."run_id" = "ratchet_runs"."id" AND s."group_index" = "ratchet_runs"."current_group"
    AND s."status" = 'SUSPENDED'
);
