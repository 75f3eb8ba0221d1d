-- CreateTable
CREATE TABLE "ratchet_run_waiters" (
    "run_id" TEXT NOT NULL,
    "waiter_id" TEXT NOT NULL,
    "since" DATETIME NOT NULL,

    PRIMARY KEY ("run_id", "waiter_id")
);
