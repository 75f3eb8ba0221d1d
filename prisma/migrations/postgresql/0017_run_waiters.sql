-- CreateTable
CREATE TABLE "ratchet_run_waiters" (
    "run_id" TEXT NOT NULL,
    "waiter_id" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ratchet_run_waiters_pkey" PRIMARY KEY ("run_id","waiter_id")
);

-- Unlogged: a waiter's row is a hint that lives while it waits, so its insert and delete need
-- no WAL and their commits no flush (a logged insert made every await wait for an fsync first).
-- After a crash the table is empty, and waiters fall back to their poll.
ALTER TABLE "ratchet_run_waiters" SET UNLOGGED;

-- The run-end trigger (0014) notifies only runs someone awaits. PostgreSQL signals every backend
-- that LISTENs in the database for each NOTIFY, whatever its channel, and each reads it in a
-- transaction of its own: a host's wake-up listener committed once more per run end (W1 on
-- PostgreSQL: about 0.13 more commits per stage). The lookup is a primary-key probe of an
-- almost always empty table, with no write.
CREATE OR REPLACE FUNCTION "ratchet_notify_run_ended"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "ratchet_run_waiters" WHERE "run_id" = NEW."id") THEN
    PERFORM pg_notify('ratchet_run_ended', NEW."id");
  END IF;
  RETURN NULL;
END
$$;
