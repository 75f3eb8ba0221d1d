/** A run's concurrency key, from its workflow's `concurrency` and its input. */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { RatchetError } from "../../errors.js";

/** Longest key a workflow's `concurrency.key` may return. */
const MAX_CONCURRENCY_KEY = 256;

/**
 * The run's concurrency key: `null` for a workflow without a limit, else the workflow id and
 * the key its input gives, as one string (JSON, so no two pairs collide). Throws
 * `INVALID_CONCURRENCY_KEY` (field `concurrency.key`) when the key function fails.
 */
export function concurrencyKeyOf(workflow: AnyWorkflow, input: unknown): string | null {
  const limit = workflow.concurrency;
  if (!limit) return null;
  if (!limit.key) return JSON.stringify([workflow.id]);
  let key: unknown;
  try {
    key = limit.key(input as never);
  } catch (error) {
    throw new RatchetError(
      "INVALID_CONCURRENCY_KEY",
      `[ratchet] concurrency.key of workflow "${workflow.id}" threw: ${(error as Error)?.message ?? String(error)}`,
      { workflowId: workflow.id, field: "concurrency.key", cause: error },
    );
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_CONCURRENCY_KEY) {
    throw new RatchetError(
      "INVALID_CONCURRENCY_KEY",
      `[ratchet] concurrency.key of workflow "${workflow.id}" must return a string of 1–${MAX_CONCURRENCY_KEY} characters, got ${typeof key === "string" ? `${key.length} characters` : typeof key}`,
      { workflowId: workflow.id, field: "concurrency.key" },
    );
  }
  return JSON.stringify([workflow.id, key]);
}
