/**
 * The invariants about the work itself: a completed run (and each completed stage) holds what
 * the model computes from the run's input, a failed run failed for a reason the fault plan
 * explains, no stage completed on an attempt that the plan says fails, and every stage got its
 * predecessors' committed output as its input.
 */

import { encodeValue } from "../../codec.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { InMemoryStore, StageRow } from "../../in-memory/store.js";
import type { RunRecord } from "../../records.js";
import { canonicalJson, sameJson } from "./canonical-json.js";
import { isJudged, type JudgeContext } from "./expectations.js";
import type { ExpectedRun, SimulationModel } from "./model.js";
import type { InvariantViolation } from "./violations.js";
import type { StageExecution } from "./workflows.js";

/** Options of {@link WorkChecker}. */
export interface WorkCheckerOptions {
  store: InMemoryStore;
  /** The workflows by id, as their authors wrote them (to know a stage's predecessors). */
  workflows: ReadonlyMap<string, AnyWorkflow>;
  /** What the work must come to; without it, only stage inputs are checked. */
  model?: SimulationModel;
  /** The stage executions recorded so far (growing); those with an `input` are checked. */
  executions?: readonly StageExecution[];
}

/** `value` as the store keeps it (a `Date` as the codec writes it), to compare with stored ones. */
function asStored(value: unknown): unknown {
  try {
    return encodeValue(value);
  } catch {
    return value;
  }
}

/** Why `actual` is not the `expected` value (judged, when it is `Judged`). */
function wrongValue(expected: unknown, actual: unknown, context: JudgeContext): string | undefined {
  if (isJudged(expected)) return expected.judge(actual, context);
  return sameJson(actual, expected)
    ? undefined
    : `completed with ${canonicalJson(actual)}, expected ${canonicalJson(expected)}`;
}

const violation = (invariant: InvariantViolation["invariant"], detail: string) => ({
  invariant,
  detail,
});

/**
 * Checks the work of runs against a {@link SimulationModel} and the store. Incremental: rows
 * already checked are remembered (stored rows are replaced, never mutated).
 *
 * @example
 * ```ts
 * const work = new WorkChecker({ store, workflows, model: simulationModel({ seed }) });
 * const broken = work.checkRun(run, stages) ?? work.checkExecutions();
 * ```
 */
export class WorkChecker {
  private readonly expected = new Map<string, ExpectedRun | undefined>();
  private readonly checkedStages = new WeakSet<StageRow>();
  private readonly checkedRuns = new WeakSet<RunRecord>();
  private seenExecutions = 0;

  /** A checker over `options.store`. */
  constructor(private readonly options: WorkCheckerOptions) {}

  /** Checks a run's row and its stage rows against the model (call when they changed). */
  checkRun(run: RunRecord, stages: readonly StageRow[]): InvariantViolation | null {
    const { model } = this.options;
    if (!model || this.checkedRuns.has(run)) return null;
    const expected = this.expectationOf(run);
    for (const stage of stages) {
      if (stage.status !== "COMPLETED" || this.checkedStages.has(stage)) continue;
      this.checkedStages.add(stage);
      if (expected) {
        const want = expected.stages.get(stage.stageId);
        if (!want) {
          return violation(
            "wrong-output",
            `run ${run.id} (${run.workflowId}): stage ${stage.stageId} completed, but the run's input ${canonicalJson(run.input)} does not lead to it`,
          );
        }
        const wrong =
          stage.output === undefined
            ? undefined
            : wrongValue(want.output, stage.output, { run, stage, store: this.options.store });
        if (wrong) {
          return violation(
            "wrong-output",
            `run ${run.id} (${run.workflowId}): stage ${stage.stageId} ${wrong}`,
          );
        }
      }
      if (model.maxAttempts(run.workflowId, stage.stageId) !== undefined) {
        const planned = model.attemptFailure(run.workflowId, run.id, stage.stageId, stage.attempt);
        if (planned) {
          return violation(
            "completed-failing-attempt",
            `run ${run.id}: stage ${stage.stageId} completed on attempt ${stage.attempt}, which the plan fails (${planned.code})`,
          );
        }
      }
    }
    if (run.status === "COMPLETED") {
      this.checkedRuns.add(run);
      const wrong =
        expected && wrongValue(expected.output, run.output, { run, store: this.options.store });
      if (wrong) {
        return violation(
          "wrong-output",
          `run ${run.id} (${run.workflowId}) ${wrong} from its input ${canonicalJson(run.input)}`,
        );
      }
    } else if (run.status === "FAILED") {
      this.checkedRuns.add(run);
      const unexplained = this.unexplainedFailure(model, run, stages);
      if (unexplained) return violation("failure-unexplained", `run ${run.id}: ${unexplained}`);
    }
    return null;
  }

  /** Checks the inputs of the executions recorded since the last call. */
  checkExecutions(): InvariantViolation | null {
    const executions = this.options.executions;
    if (!executions) return null;
    for (; this.seenExecutions < executions.length; this.seenExecutions++) {
      const execution = executions[this.seenExecutions];
      if (execution === undefined || !("input" in execution)) continue;
      const wrong = this.wrongInput(execution);
      if (wrong) {
        this.seenExecutions++;
        return violation(
          "stage-input-wrong",
          `run ${execution.workflowRunId}: stage ${execution.stageId} (attempt ${execution.attempt}) ${wrong}`,
        );
      }
    }
    return null;
  }

  private expectationOf(run: RunRecord): ExpectedRun | undefined {
    if (this.expected.has(run.id)) return this.expected.get(run.id);
    const expected = this.options.model?.expect(run.workflowId, run.input);
    this.expected.set(run.id, expected);
    return expected;
  }

  private stageRow(runId: string, stageId: string): StageRow | undefined {
    const { store } = this.options;
    const key = store.stageByName.get(runId, stageId);
    return key === undefined ? undefined : store.stages.get(key);
  }

  /** Why a stage's input is wrong (`undefined`: it is right, or cannot be told). */
  private wrongInput(execution: StageExecution): string | undefined {
    const run = this.options.store.runs.get(execution.workflowRunId);
    if (!run) return undefined;
    const got = canonicalJson(asStored(execution.input));
    const workflow = this.options.workflows.get(run.workflowId);
    if (workflow && !workflow.branching) {
      const group = workflow.getStage(execution.stageId)?.groupIndex;
      if (group === undefined) return undefined;
      if (group === 0) {
        return got === canonicalJson(run.input)
          ? undefined
          : `got ${got}, but the run's input is ${canonicalJson(run.input)}`;
      }
      const previous = workflow.groups[group - 1] ?? [];
      const outputs: Record<string, unknown> = {};
      for (const stage of previous) {
        const row = this.stageRow(run.id, stage.id);
        if (row?.status !== "COMPLETED") {
          return `ran while its predecessor ${stage.id} is ${row?.status ?? "missing"}`;
        }
        if (row.output === undefined) return undefined;
        outputs[stage.id] = row.output;
      }
      const want = previous.length === 1 ? outputs[previous[0]?.id as string] : outputs;
      return got === canonicalJson(want)
        ? undefined
        : `got ${got}, but its predecessors committed ${canonicalJson(want)}`;
    }
    const expected = this.expectationOf(run);
    if (!expected) return undefined;
    const want = expected.stages.get(execution.stageId);
    if (!want) return `ran, but the run's input ${canonicalJson(run.input)} does not lead to it`;
    if (isJudged(want.input)) return undefined;
    return got === canonicalJson(want.input)
      ? undefined
      : `got ${got}, but its input must be ${canonicalJson(want.input)}`;
  }

  /** Why the fault plan does not explain a failed run (`undefined`: it does). */
  private unexplainedFailure(
    model: SimulationModel,
    run: RunRecord,
    stages: readonly StageRow[],
  ): string | undefined {
    const error = run.error;
    if (!error) return "FAILED without an error";
    const described = `failed with ${error.code} (${error.message})`;
    const stageId = error.stageId;
    if (stageId === undefined) return `${described}, naming no stage`;
    const max = model.maxAttempts(run.workflowId, stageId);
    if (max === undefined) return undefined; // a workflow the model does not know
    const stage = stages.find((s) => s.stageId === stageId);
    if (stage?.status !== "FAILED")
      return `${described}, but stage ${stageId} is ${stage?.status ?? "missing"}`;
    const judged = model.explainFailure?.(run, stage, this.options.store);
    if (judged !== undefined) return judged ?? undefined;
    if (error.code === "MAX_ATTEMPTS_EXCEEDED") {
      return stage.attempt >= max
        ? undefined
        : `${described} after ${stage.attempt} lost lease(s), but stage ${stageId} is allowed ${max} attempts`;
    }
    const planned = model.attemptFailure(run.workflowId, run.id, stageId, stage.attempt);
    if (!planned || planned.code !== error.code || !error.message.includes(planned.message)) {
      return `${described} on attempt ${stage.attempt} of stage ${stageId}, which the plan ${planned ? `fails with ${planned.code}` : "lets succeed"}`;
    }
    return stage.attempt >= max
      ? undefined
      : `${described} on attempt ${stage.attempt} of ${max}: it should have been retried`;
  }
}
