/**
 * The size limit on values stored inline in a run (`KernelOptions.maxPayloadBytes`): its
 * input, config and metadata.
 */
import { utf8Length } from "../../codec.js";
import { type ErrorContext, PayloadTooLargeError } from "../../errors.js";
import type { JsonValue } from "../../records.js";

/**
 * Throws {@link PayloadTooLargeError} naming `field` when `encoded` takes more than `limit`
 * UTF-8 bytes as JSON.
 */
export function checkPayloadSize(
  encoded: JsonValue,
  limit: number,
  field: string,
  context: ErrorContext,
): void {
  if (limit === Number.POSITIVE_INFINITY) return;
  const json = JSON.stringify(encoded);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: most values need no byte count.
  if (json.length * 3 <= limit) return;
  const bytes = utf8Length(json);
  if (bytes <= limit) return;
  throw new PayloadTooLargeError(
    `[ratchet] ${field} is ${bytes} bytes as JSON, over the limit of ${limit} (maxPayloadBytes); store large data in the blob store and pass its key`,
    bytes,
    limit,
    { ...context, field },
  );
}
