-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ratchet_outbox" (
    "id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "occurred_at" DATETIME NOT NULL,
    "published_at" DATETIME,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "available_at" DATETIME NOT NULL,
    "leased_until" DATETIME,
    "dlq_at" DATETIME,
    "last_error" TEXT,

    PRIMARY KEY ("run_id", "sequence")
);
INSERT INTO "new_ratchet_outbox" ("available_at", "dlq_at", "id", "last_error", "leased_until", "occurred_at", "payload", "published_at", "retry_count", "run_id", "sequence", "type") SELECT "available_at", "dlq_at", "id", "last_error", "leased_until", "occurred_at", "payload", "published_at", "retry_count", "run_id", "sequence", "type" FROM "ratchet_outbox";
DROP TABLE "ratchet_outbox";
ALTER TABLE "new_ratchet_outbox" RENAME TO "ratchet_outbox";
CREATE INDEX "ratchet_outbox_unpublished_idx" ON "ratchet_outbox"("published_at", "dlq_at", "available_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
