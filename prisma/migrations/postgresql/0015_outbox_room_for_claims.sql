-- Half of each outbox page left free for the claim's heap-only update of leased_until (0013 left
-- 20%): an event is claimed within milliseconds of its insert, and the claim's new row version
-- must fit on the event's page to stay heap-only (no entry in the outbox's three indexes). W1 on
-- PostgreSQL (pg_walinspect, this database's relations, no full-page images): 6,752 B per stage
-- at fillfactor 80, 6,037 at 60, 5,767 at 50, 5,688 at 40; heap-only claims 48% -> 73% -> 89%.
-- The cost is room: published events keep about half of each page they were written to until
-- retention deletes them. Applies to pages written from now on.
ALTER TABLE "ratchet_outbox" SET (fillfactor = 50);
