/** The input a stage gets, and checking and encoding the output it returns. */
import { decodeValue, encodeValue } from "../../codec.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { toStoredError } from "../../errors.js";
import type { RunRecord, StoredError } from "../../records.js";
import { zodIssues } from "../values/zod-issues.js";

/**
 * The input of a group: the workflow input (`fromGroup` −1), or the output(s) of the group the
 * run came from (usually the one before it).
 */
export function stageInput(
  workflow: AnyWorkflow,
  run: RunRecord,
  fromGroup: number,
  outputs: ReadonlyMap<string, unknown>,
): unknown {
  if (fromGroup < 0) return decodeValue(run.input);
  const previous = workflow.groups[fromGroup] ?? [];
  if (previous.length === 1) return outputs.get((previous[0] as { id: string }).id);
  return Object.fromEntries(previous.map((s) => [s.id, outputs.get(s.id)]));
}

/** Validates and encodes a stage output; failures are non-retryable. */
export function checkOutput(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: unknown } | { success: false; error: import("zod").z.ZodError };
  },
  result: unknown,
  ids: { workflowRunId: string; stageId: string },
): { value: unknown; encoded: ReturnType<typeof encodeValue> } | { error: StoredError } {
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "output");
    return {
      error: {
        code: "STAGE_OUTPUT_INVALID",
        message: `[ratchet] output of stage "${ids.stageId}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        stageId: ids.stageId,
      },
    };
  }
  try {
    return { value: parsed.data, encoded: encodeValue(parsed.data, "output") };
  } catch (error) {
    return { error: toStoredError(error, ids.stageId) };
  }
}
