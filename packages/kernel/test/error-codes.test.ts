/**
 * Keeps `KERNEL_ERROR_CODES` (src/error-codes.ts) complete and current: every code-shaped literal of the
 * package's source is either a listed code or named in NOT_CODES (see `errorCodeListTests`).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { isErrorCode, KERNEL_ERROR_CODES } from "../src/error-codes.js";
import { errorCodeListTests, readSourceTree } from "../src/testing/index.js";

const SRC = join(import.meta.dirname, "..", "src");

/** Not scanned: the list itself, and fixtures whose codes are made up for tests. */
const SKIP = ["error-codes.ts", "testing/conformance", "testing/simulation"];

/** Code-shaped literals of src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  PENDING: "a run, stage or job status",
  RUNNING: "a run, stage or job status",
  COMPLETED: "a run, stage or job status",
  FAILED: "a run, stage or job status",
  SUSPENDED: "a stage or job status",
  TIMED_OUT: "a run status (its error is WORKFLOW_TIMEOUT)",
  UTC: "a time zone (a schedule's default)",
  SCHEDULED: "a run status (a delayed start, or a run held back)",
  STARTED: "what a detached child step's wait ends with (the child started)",
  MISSING: "the status a map reports for an item whose run is gone",
  RETRY_WAIT: "a stage's state as inspectRun shows it (waiting for its retry's back-off)",
  SKIPPED: "a stage status (a choice took another branch)",
  COMPENSATING: "a run status (its compensations are running)",
  COMPENSATED: "a run status (every compensation committed)",
  COMPENSATION_FAILED: "a run status (a compensation used up its attempts)",
  CLOSED: "a circuit breaker's state (it lets attempts through)",
  OPEN: "a circuit breaker's state (it defers the stages it guards)",
  HALF_OPEN: "a circuit breaker's state (it lets probes through)",
};

errorCodeListTests({
  name: "KERNEL_ERROR_CODES",
  codes: KERNEL_ERROR_CODES,
  isCode: isErrorCode,
  notCodes: NOT_CODES,
  sources: () => readSourceTree(SRC, SKIP, fs),
});
