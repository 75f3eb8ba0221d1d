/**
 * The definition a stored run continues on: the registered workflow with the run's id, version
 * and fingerprint — never merely the newest version of its workflow.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { DefinitionUnavailableError } from "../../errors.js";
import type { RunRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";

/**
 * The run's definition; throws {@link DefinitionUnavailableError} (`DEFINITION_UNAVAILABLE`,
 * naming workflow, version and the stage when given) when this kernel does not have it, before
 * anything is written, so the run waits for a worker that has it.
 */
export function definitionOf(
  deps: Pick<KernelDeps, "registry">,
  run: Pick<RunRecord, "id" | "workflowId" | "workflowVersion" | "fingerprint">,
  stageId?: string,
): AnyWorkflow {
  const workflow = deps.registry.getDefinition(run);
  if (workflow) return workflow;
  throw new DefinitionUnavailableError(run, {
    workflowRunId: run.id,
    ...(stageId !== undefined ? { stageId } : {}),
  });
}
