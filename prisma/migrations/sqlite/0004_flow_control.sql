-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ratchet_runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workflow_id" TEXT NOT NULL,
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
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "completed_at" DATETIME
);
INSERT INTO "new_ratchet_runs" ("completed_at", "config", "created_at", "current_group", "error", "event_seq", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "priority", "started_at", "status", "updated_at", "version", "workflow_id") SELECT "completed_at", "config", "created_at", "current_group", "error", "event_seq", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "priority", "started_at", "status", "updated_at", "version", "workflow_id" FROM "ratchet_runs";
DROP TABLE "ratchet_runs";
ALTER TABLE "new_ratchet_runs" RENAME TO "ratchet_runs";
CREATE INDEX "ratchet_runs_claim_idx" ON "ratchet_runs"("status", "priority" DESC, "created_at");
CREATE INDEX "ratchet_runs_workflow_status_idx" ON "ratchet_runs"("workflow_id", "status");
CREATE INDEX "ratchet_runs_concurrency_idx" ON "ratchet_runs"("status", "concurrency_key");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
