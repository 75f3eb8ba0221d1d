-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ratchet_jobs" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "route" TEXT NOT NULL DEFAULT '',
    "stage_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,
    "available_at" DATETIME NOT NULL,
    "locked_by" TEXT,
    "locked_until" DATETIME,
    "last_error" TEXT,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL
);
INSERT INTO "new_ratchet_jobs" ("attempt", "available_at", "created_at", "job_id", "last_error", "locked_by", "locked_until", "max_attempts", "payload", "priority", "run_id", "seq", "stage_id", "status", "updated_at", "workflow_id") SELECT "attempt", "available_at", "created_at", "job_id", "last_error", "locked_by", "locked_until", "max_attempts", "payload", "priority", "run_id", "seq", "stage_id", "status", "updated_at", "workflow_id" FROM "ratchet_jobs";
DROP TABLE "ratchet_jobs";
ALTER TABLE "new_ratchet_jobs" RENAME TO "ratchet_jobs";
CREATE UNIQUE INDEX "ratchet_jobs_job_id_key" ON "ratchet_jobs"("job_id");
CREATE INDEX "ratchet_jobs_route_dequeue_idx" ON "ratchet_jobs"("status", "route", "priority" DESC, "available_at", "seq");
CREATE INDEX "ratchet_jobs_run_idx" ON "ratchet_jobs"("run_id");
CREATE INDEX "ratchet_jobs_lease_idx" ON "ratchet_jobs"("status", "locked_until");
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
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "completed_at" DATETIME
);
INSERT INTO "new_ratchet_runs" ("completed_at", "concurrency_key", "config", "control", "created_at", "current_group", "error", "event_seq", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "priority", "started_at", "status", "updated_at", "version", "workflow_id") SELECT "completed_at", "concurrency_key", "config", "control", "created_at", "current_group", "error", "event_seq", "group_remaining", "id", "idempotency_key", "input", "metadata", "output", "priority", "started_at", "status", "updated_at", "version", "workflow_id" FROM "ratchet_runs";
DROP TABLE "ratchet_runs";
ALTER TABLE "new_ratchet_runs" RENAME TO "ratchet_runs";
CREATE INDEX "ratchet_runs_route_claim_idx" ON "ratchet_runs"("status", "route", "priority" DESC, "created_at");
CREATE INDEX "ratchet_runs_workflow_status_idx" ON "ratchet_runs"("workflow_id", "status");
CREATE INDEX "ratchet_runs_concurrency_idx" ON "ratchet_runs"("status", "concurrency_key");
CREATE INDEX "ratchet_runs_created_idx" ON "ratchet_runs"("created_at", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: runs and jobs stored before versions route by their bare workflow id (the kernel
-- serves them on the newest version of their workflow). Only rows that can still be claimed or
-- dequeued are written; a finished run keeps "" until a status change (a rerun) writes its key.
UPDATE "ratchet_runs" SET "route" = "workflow_id" WHERE "status" IN ('PENDING', 'RUNNING');
UPDATE "ratchet_jobs" SET "route" = "workflow_id" WHERE "status" IN ('PENDING', 'RUNNING');
