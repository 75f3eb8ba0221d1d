-- CreateTable
CREATE TABLE "ratchet_circuit_breakers" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "state" TEXT NOT NULL DEFAULT 'CLOSED',
    "failures" TEXT NOT NULL DEFAULT '[]',
    "opened_at" DATETIME,
    "opened_failures" INTEGER NOT NULL DEFAULT 0,
    "half_open_at" DATETIME,
    "probes" TEXT NOT NULL DEFAULT '[]',
    "last_error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" DATETIME NOT NULL
);
