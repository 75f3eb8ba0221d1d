/**
 * Keeps `PRISMA_ERROR_CODES` (src/error-codes.ts) complete and current: every code-shaped literal of the
 * package's source is either a listed code or named in NOT_CODES (see `errorCodeListTests`).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { errorCodeListTests, readSourceTree } from "@ratchet/kernel/testing";
import { describe, expectTypeOf, it } from "vitest";
import { isPrismaErrorCode, PRISMA_ERROR_CODES, type PrismaErrorCode } from "../src/error-codes.js";
import type { MigrationErrorCode } from "../src/migrate/errors.js";

const SRC = join(import.meta.dirname, "..", "src");

/** Not scanned: the list itself and generated code (the Prisma clients, the migrations). */
const SKIP = ["error-codes.ts", "generated", "migrate/migrations.generated.ts"];

/** Code-shaped literals of src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  PENDING: "a run, stage or job status",
  RUNNING: "a run, stage or job status",
  COMPLETED: "a run, stage, job or idempotency-key status",
  FAILED: "a run, stage or job status",
  SKIPPED: "a stage status (a branch a choice did not take)",
  SCHEDULED: "a run status (a delayed or debounced start)",
  BEGIN: "SQL",
  COMMIT: "SQL",
  ROLLBACK: "SQL",
  SQLITE_BUSY: "SQLite's own code for a locked database, recognised and retried",
  CREATE: "SQL (D1: the undo triggers' statements)",
  OLD: "SQL (D1: a trigger's old row)",
  NULL: "SQL (D1: a parameter written as a literal)",
};

errorCodeListTests({
  name: "PRISMA_ERROR_CODES",
  codes: PRISMA_ERROR_CODES,
  isCode: isPrismaErrorCode,
  notCodes: NOT_CODES,
  sources: () => readSourceTree(SRC, SKIP, fs),
});

describe("PRISMA_ERROR_CODES and the migrator", () => {
  it("includes every MigrationErrorCode", () => {
    expectTypeOf<MigrationErrorCode>().toExtend<PrismaErrorCode>();
  });
});
