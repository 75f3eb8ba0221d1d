-- CreateTable
CREATE TABLE "ratchet_circuit_breakers" (
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'CLOSED',
    "failures" TEXT NOT NULL DEFAULT '[]',
    "opened_at" TIMESTAMPTZ(3),
    "opened_failures" INTEGER NOT NULL DEFAULT 0,
    "half_open_at" TIMESTAMPTZ(3),
    "probes" TEXT NOT NULL DEFAULT '[]',
    "last_error" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ratchet_circuit_breakers_pkey" PRIMARY KEY ("name")
);
