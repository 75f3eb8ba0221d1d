/**
 * The retry policy the kernel applies to a stage: the stage's and its workflow's fields, then
 * the kernel's `defaultMaxAttempts`, then `DEFAULT_RETRY`.
 */
import { type ResolvedRetryPolicy, resolveRetry } from "../dsl/retry-policy.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import type { KernelDeps } from "./deps.js";

/** The policy of `stageId` in `workflow`. */
export function retryPolicyOf(
  deps: Pick<KernelDeps, "options">,
  workflow: AnyWorkflow,
  stageId: string,
): ResolvedRetryPolicy {
  return resolveRetry(workflow.retryOf?.(stageId), {
    maxAttempts: deps.options.defaultMaxAttempts,
  });
}
