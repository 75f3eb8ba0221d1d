-- AlterTable
ALTER TABLE "ratchet_runs" ADD COLUMN     "waiting" BOOLEAN NOT NULL DEFAULT false;

-- Backfill: runs already waiting on a suspended stage of their current group (a sleep or a
-- poll stored before the flag) are marked, so the stuck-run reaper stops reading them too.
UPDATE "ratchet_runs" SET "waiting" = true
WHERE "status" = 'RUNNING' AND EXISTS (
  SELECT 1 FROM "ratchet_stages" s
  WHERE s."run_id" = "ratchet_runs"."id" AND s."group_index" = "ratchet_runs"."current_group"
    AND s."status" = 'SUSPENDED'
);
