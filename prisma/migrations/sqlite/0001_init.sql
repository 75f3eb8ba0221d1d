-- CreateTable
CREATE TABLE "ratchet_runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workflow_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "input" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "metadata" TEXT NOT NULL,
    "output" TEXT,
    "error" TEXT,
    "current_group" INTEGER NOT NULL DEFAULT 0,
    "event_seq" INTEGER NOT NULL DEFAULT 0,
    "idempotency_key" TEXT,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "completed_at" DATETIME
);

-- CreateTable
CREATE TABLE "ratchet_stages" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "run_id" TEXT NOT NULL,
    "stage_id" TEXT NOT NULL,
    "group_index" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "output" TEXT,
    "output_ref" TEXT,
    "suspended_state" TEXT,
    "poll_config" TEXT,
    "next_poll_at" DATETIME,
    "poll_lease_until" DATETIME,
    "progress" TEXT,
    "error" TEXT,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "started_at" DATETIME,
    "completed_at" DATETIME
);

-- CreateTable
CREATE TABLE "ratchet_jobs" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
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

-- CreateTable
CREATE TABLE "ratchet_outbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "run_id" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "occurred_at" DATETIME NOT NULL,
    "published_at" DATETIME,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "available_at" DATETIME NOT NULL,
    "dlq_at" DATETIME,
    "last_error" TEXT
);

-- CreateTable
CREATE TABLE "ratchet_idempotency_keys" (
    "key" TEXT NOT NULL,
    "command_type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "result" TEXT,
    "created_at" DATETIME NOT NULL,

    PRIMARY KEY ("key", "command_type")
);

-- CreateTable
CREATE TABLE "ratchet_scheduled_commands" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "correlation_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "run_at" DATETIME NOT NULL,
    "leased_by" TEXT,
    "lease_until" DATETIME,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ratchet_logs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "run_id" TEXT NOT NULL,
    "stage_id" TEXT,
    "level" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" TEXT,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ratchet_blobs" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "data" BLOB NOT NULL,
    "size" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "ratchet_runs_claim_idx" ON "ratchet_runs"("status", "priority" DESC, "created_at");

-- CreateIndex
CREATE INDEX "ratchet_runs_status_updated_idx" ON "ratchet_runs"("status", "updated_at");

-- CreateIndex
CREATE INDEX "ratchet_runs_workflow_status_idx" ON "ratchet_runs"("workflow_id", "status");

-- CreateIndex
CREATE INDEX "ratchet_stages_suspended_idx" ON "ratchet_stages"("status", "next_poll_at");

-- CreateIndex
CREATE UNIQUE INDEX "ratchet_stages_run_stage_key" ON "ratchet_stages"("run_id", "stage_id");

-- CreateIndex
CREATE UNIQUE INDEX "ratchet_jobs_job_id_key" ON "ratchet_jobs"("job_id");

-- CreateIndex
CREATE INDEX "ratchet_jobs_dequeue_idx" ON "ratchet_jobs"("status", "priority" DESC, "available_at");

-- CreateIndex
CREATE INDEX "ratchet_jobs_run_idx" ON "ratchet_jobs"("run_id");

-- CreateIndex
CREATE INDEX "ratchet_jobs_lease_idx" ON "ratchet_jobs"("status", "locked_until");

-- CreateIndex
CREATE INDEX "ratchet_outbox_unpublished_idx" ON "ratchet_outbox"("published_at", "dlq_at", "available_at");

-- CreateIndex
CREATE UNIQUE INDEX "ratchet_outbox_run_sequence_key" ON "ratchet_outbox"("run_id", "sequence");

-- CreateIndex
CREATE INDEX "ratchet_scheduled_run_at_idx" ON "ratchet_scheduled_commands"("run_at");

-- CreateIndex
CREATE UNIQUE INDEX "ratchet_scheduled_type_correlation_key" ON "ratchet_scheduled_commands"("type", "correlation_id");

-- CreateIndex
CREATE INDEX "ratchet_logs_run_idx" ON "ratchet_logs"("run_id", "created_at");
