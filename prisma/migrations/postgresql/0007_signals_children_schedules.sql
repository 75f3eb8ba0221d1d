-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "parent_run_id" TEXT;

-- CreateTable
CREATE TABLE "ratchet_signals" (
    "id" TEXT NOT NULL,
    "run_id" TEXT,
    "name" TEXT NOT NULL,
    "match_key" TEXT,
    "payload" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "consumed_by" TEXT,

    CONSTRAINT "ratchet_signals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ratchet_signal_waits" (
    "stage_record_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "match_key" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'signal',
    "stage_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "ratchet_signal_waits_pkey" PRIMARY KEY ("stage_record_id")
);

-- CreateTable
CREATE TABLE "ratchet_schedules" (
    "id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "input" TEXT NOT NULL,
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "overlap" TEXT NOT NULL DEFAULT 'skip',
    "catch_up" TEXT NOT NULL DEFAULT 'latest',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "next_fire_at" TIMESTAMPTZ(3),
    "last_fire_at" TIMESTAMPTZ(3),
    "last_run_id" TEXT,
    "buffered_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ratchet_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ratchet_signals_run_idx" ON "ratchet_signals"("run_id", "name", "consumed_at", "sent_at");

-- CreateIndex
CREATE INDEX "ratchet_signals_key_idx" ON "ratchet_signals"("name", "match_key", "consumed_at", "sent_at");

-- CreateIndex
CREATE INDEX "ratchet_signal_waits_run_idx" ON "ratchet_signal_waits"("run_id", "name");

-- CreateIndex
CREATE INDEX "ratchet_signal_waits_key_idx" ON "ratchet_signal_waits"("name", "match_key", "created_at");

-- CreateIndex
CREATE INDEX "ratchet_signal_waits_kind_idx" ON "ratchet_signal_waits"("kind", "created_at");

-- CreateIndex
CREATE INDEX "ratchet_schedules_next_fire_idx" ON "ratchet_schedules"("next_fire_at");

-- CreateIndex
CREATE INDEX "ratchet_runs_parent_idx" ON "ratchet_runs"("parent_run_id");
