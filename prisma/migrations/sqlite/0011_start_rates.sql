-- CreateTable
CREATE TABLE "ratchet_start_rates" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0
);
