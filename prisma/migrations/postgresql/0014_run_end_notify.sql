-- Run-end notices (docs/adr/0011-awaiting-run-results.md): a run that moves to a terminal status
-- sends pg_notify('ratchet_run_ended', <run id>) in the transaction that ends it, so
-- awaitRunResult wakes on commit (PostgreSQL delivers a notification only if its transaction
-- commits). A trigger rather than a statement of Ratchet's, so every statement that ends runs
-- (the batched stage completion included) notifies, without a round trip of its own; the WHEN
-- clause keeps every other update of a run free of it.
CREATE FUNCTION "ratchet_notify_run_ended"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ratchet_run_ended', NEW."id");
  RETURN NULL;
END
$$;

CREATE TRIGGER "ratchet_runs_ended_notify"
AFTER UPDATE OF "status" ON "ratchet_runs"
FOR EACH ROW
WHEN (
  NEW."status" IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'COMPENSATED', 'COMPENSATION_FAILED')
  AND OLD."status" IS DISTINCT FROM NEW."status"
)
EXECUTE FUNCTION "ratchet_notify_run_ended"();
