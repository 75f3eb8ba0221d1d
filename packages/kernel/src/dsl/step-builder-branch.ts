/**
 * `workflow.branch(name)`: the steps of one parallel branch (tasks and pass steps), built
 * into a {@link StepBranch} for `.parallel(id, { branches })`.
 */
import { encodeValue } from "../codec.js";
import type { StepBranch } from "./step-builder-options.js";
import {
  type CompiledBranch,
  checkId,
  compiledBranches,
  fail,
  StepSequenceBuilder,
} from "./step-builder-sequence.js";
import { type BranchStep, branchStage } from "./step-builder-task.js";

/** The steps of one parallel branch; `build()` hands it to `.parallel({ branches })`. */
export class StepBranchBuilder extends StepSequenceBuilder {
  /** @param name The branch's name: its key in the parallel's output (a step id). */
  constructor(private readonly name: string) {
    super();
    checkId(name, "branch");
  }

  /**
   * Checks the branch and returns it. Only tasks and pass steps without `next`/`end` may be in
   * a branch (else `INVALID_BRANCH_STEP` naming the step and the field — `next`, `end`, or
   * the kind of step); an empty branch is `EMPTY_BRANCH`.
   */
  build(): StepBranch {
    const { name } = this;
    if (this.steps.length === 0)
      fail("EMPTY_BRANCH", `branch "${name}" has no steps`, { stageId: name, field: "steps" });
    const steps: BranchStep[] = this.steps.map((step) => {
      if (step.kind !== "task" && step.kind !== "pass")
        fail(
          "INVALID_BRANCH_STEP",
          `branch "${name}": a ${step.kind} step ("${step.id}") cannot be in a parallel branch; only tasks and pass steps`,
          { stageId: step.id, field: step.kind },
        );
      for (const field of ["next", "end"] as const) {
        if (step.options[field] !== undefined && step.options[field] !== false)
          fail(
            "INVALID_BRANCH_STEP",
            `branch "${name}": step "${step.id}" cannot set ${field} inside a parallel branch`,
            { stageId: step.id, field },
          );
      }
      if (step.kind === "task") return { kind: "task", id: step.id, options: step.options };
      const { transform, result } = step.options;
      return {
        kind: "pass",
        id: step.id,
        transform,
        result: transform === undefined && result !== undefined ? encodeValue(result) : undefined,
      };
    });
    const only = this.steps.length === 1 ? this.steps[0] : undefined;
    const compiled: CompiledBranch =
      only?.kind === "task"
        ? { stage: only.stage, ids: [only.id] }
        : { stage: branchStage(name, steps), ids: [name, ...steps.map((s) => s.id)] };
    const branch: StepBranch = Object.freeze({
      kind: "branch",
      name,
      stepIds: Object.freeze(steps.map((s) => s.id)),
    });
    compiledBranches.set(branch, compiled);
    return branch;
  }
}
