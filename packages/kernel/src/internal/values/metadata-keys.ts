/** The rule for run metadata keys, the same whether `run.create` or a stage sets them. */
import { type ErrorContext, RatchetError } from "../../errors.js";

/** Longest metadata key, in characters. */
export const MAX_METADATA_KEY = 256;

/** Whether `key` may name a metadata entry: a string of 1–{@link MAX_METADATA_KEY} characters. */
export function isMetadataKey(key: unknown): boolean {
  return typeof key === "string" && key.length > 0 && key.length <= MAX_METADATA_KEY;
}

/** Throws `INVALID_METADATA` (field `metadata`) for the first key of `metadata` that is not one. */
export function checkMetadataKeys(metadata: Record<string, unknown>, context: ErrorContext): void {
  for (const key of Object.keys(metadata)) {
    if (isMetadataKey(key)) continue;
    throw new RatchetError(
      "INVALID_METADATA",
      `[ratchet] a metadata key must be a string of 1–${MAX_METADATA_KEY} characters, got ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} (${key.length} characters)`,
      { ...context, field: "metadata" },
    );
  }
}
