/**
 * Keeps `NODE_HOST_ERROR_CODES` (src/error-codes.ts) complete and current: every code-shaped literal of the
 * package's source is either a listed code or named in NOT_CODES (see `errorCodeListTests`).
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { errorCodeListTests, readSourceTree } from "@ratchet/kernel/testing";
import { isNodeHostErrorCode, NODE_HOST_ERROR_CODES } from "../src/error-codes.js";

const SRC = join(import.meta.dirname, "..", "src");

/** Not scanned: the list itself. */
const SKIP = ["error-codes.ts"];

/** Code-shaped literals of src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  SIGTERM: "a signal the host stops on",
  SIGINT: "a signal the host stops on",
  SIGKILL: "the signal that kills an isolated stage's child process",
  ERR_WORKER_OUT_OF_MEMORY:
    "Node's code of a worker thread past its resourceLimits (read, not raised)",
};

errorCodeListTests({
  name: "NODE_HOST_ERROR_CODES",
  codes: NODE_HOST_ERROR_CODES,
  isCode: isNodeHostErrorCode,
  notCodes: NOT_CODES,
  sources: () => readSourceTree(SRC, SKIP, fs),
});
