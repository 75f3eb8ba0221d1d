/**
 * The retry policy the kernel applies to a stage: the stage's and its workflow's fields, then
 * the kernel's `defaultMaxAttempts`, then `DEFAULT_RETRY`. Resolved once per workflow, stage
 * and kernel options (every job enqueued reads it), then kept.
 */
import { type ResolvedRetryPolicy, resolveRetry } from "../../dsl/retry-policy.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { KernelDeps } from "../kernel-deps.js";

const resolved = new WeakMap<object, WeakMap<AnyWorkflow, Map<string, ResolvedRetryPolicy>>>();

/** The policy of `stageId` in `workflow`. */
export function retryPolicyOf(
  deps: Pick<KernelDeps, "options">,
  workflow: AnyWorkflow,
  stageId: string,
): ResolvedRetryPolicy {
  let byWorkflow = resolved.get(deps.options);
  if (!byWorkflow) {
    byWorkflow = new WeakMap();
    resolved.set(deps.options, byWorkflow);
  }
  let byStage = byWorkflow.get(workflow);
  if (!byStage) {
    byStage = new Map();
    byWorkflow.set(workflow, byStage);
  }
  let policy = byStage.get(stageId);
  if (!policy) {
    policy = resolveRetry(workflow.retryOf?.(stageId), {
      maxAttempts: deps.options.defaultMaxAttempts,
    });
    byStage.set(stageId, policy);
  }
  return policy;
}
