-- Run-end notices carry the ended run's record (docs/adr/0013-run-end-record-in-notice.md):
-- the payload is the run's row as JSON when it fits, so
-- awaitRunResult resolves without reading the run again; a row too big for a notice is named by
-- its id alone, as before, and the waiter reads it.
--
-- The record must be the run's final committed state. A plain AFTER UPDATE row trigger fires when
-- its statement ends and sees NEW as that statement left it; a later statement of the same
-- transaction may change the run again (an event sequence, a waiting flag, metadata). So the
-- trigger is now a deferred constraint trigger: its event is queued when a statement moves the run
-- to a terminal status (the WHEN clause, as before, keeps every other update free of it), and the
-- function runs at commit, when no statement of the transaction can follow, reading the row as the
-- transaction leaves it. PostgreSQL still delivers the notice only if the commit succeeds.
--
-- Old listeners (a rolling deploy) take a JSON payload for a run id that names no run: they wait
-- for their poll (runEndPollMs) instead. New listeners take a payload that is no JSON object for a
-- run id, so they work with the old trigger too.
DROP TRIGGER "ratchet_runs_ended_notify" ON "ratchet_runs";

-- UTC, so the JSON's timestamps do not depend on the session's time zone. The payload limit is
-- PostgreSQL's (BLCKSZ - NAMEDATALEN - 128 bytes: 8000 in a default build), read from the server
-- so that a build with smaller pages gets an id rather than a failed commit.
CREATE OR REPLACE FUNCTION "ratchet_notify_run_ended"() RETURNS trigger LANGUAGE plpgsql
SET "TimeZone" TO 'UTC'
AS $$
DECLARE
  payload TEXT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "ratchet_run_waiters" WHERE "run_id" = NEW."id") THEN
    RETURN NULL;
  END IF;
  SELECT row_to_json(r)::text INTO payload FROM "ratchet_runs" r
   WHERE r."id" = NEW."id"
     AND r."status" IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'COMPENSATED', 'COMPENSATION_FAILED');
  IF payload IS NULL OR octet_length(payload) >= current_setting('block_size')::int
      - current_setting('max_identifier_length')::int - 1 - 128 THEN
    payload := NEW."id";
  END IF;
  PERFORM pg_notify('ratchet_run_ended', payload);
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "ratchet_runs_ended_notify"
AFTER UPDATE OF "status" ON "ratchet_runs"
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN (
  NEW."status" IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'COMPENSATED', 'COMPENSATION_FAILED')
  AND OLD."status" IS DISTINCT FROM NEW."status"
)
EXECUTE FUNCTION "ratchet_notify_run_ended"();
