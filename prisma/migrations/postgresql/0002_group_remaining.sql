-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "group_remaining" INTEGER NOT NULL DEFAULT 0;

-- Backfill: a run in flight counts the stage records of its current group that have not
-- completed (run.transition recounts against the workflow definition if records are missing).
UPDATE "ratchet_runs" SET "group_remaining" = (
  SELECT count(*) FROM "ratchet_stages" s
  WHERE s."run_id" = "ratchet_runs"."id" AND s."group_index" = "ratchet_runs"."current_group" AND s."status" <> 'COMPLETED'
) WHERE "status" = 'RUNNING';
