/**
 * Keeps `EXTERNAL_WORKER_ERROR_CODES` (src/error-codes.ts) complete and current: every
 * code-shaped literal of the package's source is either a listed code or named in NOT_CODES
 * (see `errorCodeListTests`).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { errorCodeListTests, readSourceTree } from "@ratchet/kernel/testing";
import { EXTERNAL_WORKER_ERROR_CODES, isExternalWorkerErrorCode } from "../src/error-codes.js";

const SRC = join(import.meta.dirname, "..", "src");

/** Not scanned: the list itself. */
const SKIP = ["error-codes.ts"];

/** Code-shaped literals of src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  POST: "the HTTP method of every call of the protocol",
};

errorCodeListTests({
  name: "EXTERNAL_WORKER_ERROR_CODES",
  codes: EXTERNAL_WORKER_ERROR_CODES,
  isCode: isExternalWorkerErrorCode,
  notCodes: NOT_CODES,
  sources: () => readSourceTree(SRC, SKIP, fs),
});
