-- CreateTable
CREATE TABLE "ratchet_start_rates" (
    "key" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ratchet_start_rates_pkey" PRIMARY KEY ("key")
);
