/** A run's concurrency key, from its workflow's `concurrency` and start limits and its input. */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { RatchetError } from "../../errors.js";

/** Longest key a workflow's `concurrency.key` may return. */
const MAX_CONCURRENCY_KEY = 256;

/**
 * The run's concurrency key: `null` for a workflow without a limit — no `concurrency`, no
 * `rateLimit` or `throttle`, and no server-wide `defaultConcurrency` (finite) — else the
 * workflow id and the key its input gives, as one string (JSON, so no two pairs collide). The
 * limits share the key: the one key function the workflow gives (`concurrency.key`,
 * `rateLimit.key`, `throttle.key` or `singleton.key`); a `singleton` has a key too. Throws `INVALID_CONCURRENCY_KEY` (naming the field)
 * when the key function fails.
 */
export function concurrencyKeyOf(
  workflow: AnyWorkflow,
  input: unknown,
  defaultConcurrency = Number.POSITIVE_INFINITY,
): string | null {
  const flow = workflow.flowLimits;
  const rate = flow?.rateLimit ?? flow?.throttle;
  const limited = workflow.concurrency || rate || flow?.singleton || flow?.debounce;
  if (!limited && defaultConcurrency === Number.POSITIVE_INFINITY) return null;
  const keyFn =
    workflow.concurrency?.key ?? rate?.key ?? flow?.singleton?.key ?? flow?.debounce?.key;
  if (!keyFn) return JSON.stringify([workflow.id]);
  const field = workflow.concurrency?.key
    ? "concurrency.key"
    : rate?.key
      ? flow?.rateLimit
        ? "rateLimit.key"
        : "throttle.key"
      : flow?.singleton?.key
        ? "singleton.key"
        : "debounce.key";
  let key: unknown;
  try {
    key = keyFn(input as never);
  } catch (error) {
    throw new RatchetError(
      "INVALID_CONCURRENCY_KEY",
      `[ratchet] ${field} of workflow "${workflow.id}" threw: ${(error as Error)?.message ?? String(error)}`,
      { workflowId: workflow.id, field, cause: error },
    );
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_CONCURRENCY_KEY) {
    throw new RatchetError(
      "INVALID_CONCURRENCY_KEY",
      `[ratchet] ${field} of workflow "${workflow.id}" must return a string of 1–${MAX_CONCURRENCY_KEY} characters, got ${typeof key === "string" ? `${key.length} characters` : typeof key}`,
      { workflowId: workflow.id, field },
    );
  }
  return JSON.stringify([workflow.id, key]);
}
