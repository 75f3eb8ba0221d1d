/**
 * Stage outputs: small ones inline in the stage row, large ones in the blob store with a
 * reference in the row. Reads go through the kernel's output cache, so a stage does not
 * re-read every earlier output: on the common path (one worker running a run's stages one
 * after another) no output is read back at all.
 */
import { decodeValue, encodedSize } from "../../codec.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type { JsonValue, OutputRef, StageRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An encoded output ready to be written with the stage's completion. */
export interface PreparedOutput {
  ref: OutputRef;
  /** The inline value, or `null` when it went to the blob store. */
  inline: JsonValue | null;
  bytes: number;
}

/** Blob key of a stage record's output. */
export function outputBlobKey(runId: string, stageId: string, stageRecordId: string): string {
  return `runs/${runId}/outputs/${stageId}/${stageRecordId}.json`;
}

/** The output prepared inline, when it is small enough to go in the stage row; else `undefined`. */
export function inlineOutput(
  deps: Pick<KernelDeps, "options">,
  encoded: JsonValue,
): PreparedOutput | undefined {
  const bytes = encodedSize(encoded);
  return bytes <= deps.options.inlineOutputLimitBytes
    ? { ref: { kind: "inline" }, inline: encoded, bytes }
    : undefined;
}

/**
 * Decides where an encoded output goes and writes large ones to the blob store (before the
 * transaction: a crash leaves at most an unreferenced blob, never a reference without data).
 */
export async function prepareOutput(
  deps: KernelDeps,
  stage: Pick<StageRecord, "id" | "runId" | "stageId">,
  encoded: JsonValue,
): Promise<PreparedOutput> {
  const bytes = encodedSize(encoded);
  if (bytes <= deps.options.inlineOutputLimitBytes)
    return { ref: { kind: "inline" }, inline: encoded, bytes };
  const key = outputBlobKey(stage.runId, stage.stageId, stage.id);
  await deps.blobStore.put(key, encoder.encode(JSON.stringify(encoded)));
  return { ref: { kind: "blob", key }, inline: null, bytes };
}

/** Remembers a freshly committed output so later stages on this kernel need not read it. */
export function cacheOutput(
  deps: KernelDeps,
  stageRecordId: string,
  value: unknown,
  bytes: number,
): void {
  deps.outputCache.set(stageRecordId, value, bytes);
}

/**
 * Drops the cached outputs of `records` (a run that has just ended): no later stage of the run
 * will read them, so they would only hold memory, and keep the cache's map large, until the
 * budget evicts them. A later read (a hook, a rerun) loads them from the store as before.
 */
export function forgetOutputs(
  deps: Pick<KernelDeps, "outputCache">,
  records: readonly StageRecord[],
): void {
  for (const record of records) deps.outputCache.delete(record.id);
}

/**
 * The decoded outputs of completed stage records when the cache holds every one (a run's
 * stages on one worker), found without a promise; `undefined` at the first one it lacks.
 */
export function cachedOutputs(
  deps: Pick<KernelDeps, "outputCache">,
  records: readonly StageRecord[],
): Map<string, unknown> | undefined {
  const result = new Map<string, unknown>();
  for (const record of records) {
    const cached = deps.outputCache.get(record.id);
    if (!cached) return undefined;
    result.set(record.stageId, cached.value);
  }
  return result;
}

/**
 * Loads the decoded outputs of completed stage records, from `known` (outputs not yet committed)
 * and the cache where possible, with at most one persistence read for the inline ones and one
 * blob read per large one missing.
 */
export async function loadOutputs(
  deps: KernelDeps,
  reader: Pick<Persistence, "getStageOutputs">,
  records: readonly StageRecord[],
  known?: ReadonlyMap<string, unknown>,
): Promise<Map<string, unknown>> {
  const result = new Map<string, unknown>();
  const inlineMissing: StageRecord[] = [];
  const blobMissing: Array<{ record: StageRecord; key: string }> = [];
  for (const record of records) {
    if (known?.has(record.stageId)) {
      result.set(record.stageId, known.get(record.stageId));
      continue;
    }
    const cached = deps.outputCache.get(record.id);
    if (cached) {
      result.set(record.stageId, cached.value);
      continue;
    }
    if (record.outputRef?.kind === "blob") blobMissing.push({ record, key: record.outputRef.key });
    else inlineMissing.push(record);
  }
  // Everything known or cached (a run's stages on one worker): no read to wait for.
  if (inlineMissing.length === 0 && blobMissing.length === 0) return result;
  const inlineRead =
    inlineMissing.length === 0
      ? undefined
      : reader.getStageOutputs(inlineMissing.map((r) => ({ runId: r.runId, stageId: r.stageId })));
  const blobReads = blobMissing.map(async ({ record, key }) => {
    const data = await deps.blobStore.get(key);
    if (data === null) {
      throw new Error(
        `[ratchet] output of stage "${record.stageId}" (run ${record.runId}) is missing from the blob store at ${key}`,
      );
    }
    const text = decoder.decode(data);
    const value = decodeValue(JSON.parse(text) as JsonValue);
    deps.outputCache.set(record.id, value, data.byteLength);
    result.set(record.stageId, value);
  });
  const [inline] = await Promise.all([inlineRead, ...blobReads]);
  if (inline) {
    for (const record of inlineMissing) {
      const raw = inline.get(`${record.runId}:${record.stageId}`);
      if (raw === undefined) continue;
      const value = decodeValue(raw);
      deps.outputCache.set(record.id, value, encodedSize(raw));
      result.set(record.stageId, value);
    }
  }
  return result;
}
