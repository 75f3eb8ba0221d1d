-- The outbox is keyed by (run_id, sequence) alone: claims, marks and failures find events by run
-- and sequence, and the event id (kept: sinks deduplicate by it) is in no index. The index on the
-- id cost every event insert and every mark (a non-heap-only update: published_at is in the
-- unpublished-events index's predicate) one more index entry: 9% of a W1 stage's WAL
-- (docs/adr/0014-outbox-keyed-by-run-and-sequence.md).
--
-- The run/sequence unique index becomes the primary key as it stands (no rebuild); the
-- constraint takes the index's place under the primary key's usual name. A rolling deploy's old
-- workers still find events by id, correctly but without an index (a scan per claim and mark)
-- until they are replaced.
ALTER TABLE "ratchet_outbox" DROP CONSTRAINT "ratchet_outbox_pkey";
ALTER TABLE "ratchet_outbox" ADD CONSTRAINT "ratchet_outbox_pkey" PRIMARY KEY USING INDEX "ratchet_outbox_run_sequence_key";
