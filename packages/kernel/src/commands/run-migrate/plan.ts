/**
 * Plans the move of one waiting run to another definition of its workflow: which migration
 * applies, what it maps the run to, and whether the result fits the new graph. Pure apart from
 * calling the migration: nothing here writes.
 */
import { compareVersions, type MigrationPlan } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { inputGroupOf } from "../../internal/run/flow-control.js";
import { zodIssues } from "../../internal/values/zod-issues.js";
import type { JobRecord, RunRecord, StageRecord } from "../../records.js";

/** A run the plan cannot move, and why (a sentence for the operator). */
export interface Refusal {
  refused: string;
}

/** How the run continues on the target. */
export interface MovePlan {
  /** The run's input (decoded) from now on. */
  input: unknown;
  /** Whether the input changed. */
  inputChanged: boolean;
  /**
   * Outputs (decoded) of the target's stages that count as completed, by stage id: groups before
   * the resumed one, and stages of the resumed group that need not run again.
   */
  outputs: Map<string, unknown>;
  /** The target group the run continues with. */
  resumeGroup: number;
  /** The group whose output the resumed group receives (-1: the input). */
  fromGroup: number;
}

/** What the plan needs to know about the run. */
export interface PlanSource {
  run: RunRecord;
  records: readonly StageRecord[];
  liveJobs: readonly JobRecord[];
  /** The run's input and its completed stages' outputs, decoded. */
  input: unknown;
  outputs: ReadonlyMap<string, unknown>;
}

/** Why `run` cannot move to `target` before any mapping runs, or `undefined` when it may. */
export function precheck(source: PlanSource, target: AnyWorkflow): Refusal | undefined {
  const { run, records, liveJobs } = source;
  if (compareVersions(run.workflowVersion, target.version) > 0)
    return {
      refused: `the run is on version ${run.workflowVersion}, newer than ${target.version}`,
    };
  if (
    run.workflowVersion !== target.version &&
    run.fingerprint !== "" &&
    migrationFor(run, target) === undefined
  )
    return {
      refused: `version ${target.version} declares no migration from version ${run.workflowVersion} (add .migrateFrom("${run.workflowVersion}"))`,
    };
  const running = liveJobs.find((job) => job.status === "RUNNING");
  if (running)
    return {
      refused: `stage "${running.stageId}" is being executed (lease held by ${running.lockedBy ?? "a worker"}${running.lockedUntil ? ` until ${running.lockedUntil.toISOString()}` : ""}); migrate once it has moved on`,
    };
  const suspended = records.find((r) => r.status === "SUSPENDED");
  if (suspended)
    return {
      refused: `stage "${suspended.stageId}" is suspended (a poll or a sleep in progress); migrate once it has moved on`,
    };
  return undefined;
}

/**
 * The migration `target` declares for runs of the run's version; none (keep outputs by stage id)
 * for a run of its own version, or one stored before runs recorded versions.
 */
function migrationFor(run: RunRecord, target: AnyWorkflow) {
  if (run.workflowVersion === target.version || run.fingerprint === "") return undefined;
  return target.migrations.find((m) => m.from === run.workflowVersion);
}

/** Maps the run with the target's migration and checks the result against the target. */
export function planMove(source: PlanSource, target: AnyWorkflow): MovePlan | Refusal {
  const { run, records } = source;
  const stageIds = new Set(target.groups.flat().map((s) => s.id));
  const pending = records
    .filter((r) => r.groupIndex === run.currentGroup && r.status !== "COMPLETED")
    .map((r) => r.stageId);
  const from = {
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    input: source.input,
    outputs: Object.freeze(Object.fromEntries(source.outputs)),
    pending,
  };
  let mapped: MigrationPlan;
  try {
    const migration = migrationFor(run, target);
    mapped = migration
      ? migration.migrate(from)
      : {
          outputs: Object.fromEntries(
            [...source.outputs].filter(([stageId]) => stageIds.has(stageId)),
          ),
        };
  } catch (error) {
    return { refused: `the migration threw: ${(error as Error)?.message ?? String(error)}` };
  }
  if (mapped === null || typeof mapped !== "object" || typeof mapped.outputs !== "object")
    return { refused: "the migration did not return { outputs }" };

  const inputChanged = "input" in mapped && mapped.input !== undefined;
  const input = inputChanged ? mapped.input : source.input;
  const parsedInput = target.inputSchema.safeParse(input);
  if (!parsedInput.success) return { refused: `the input ${describeIssues(parsedInput.error)}` };

  const outputs = new Map<string, unknown>();
  for (const [stageId, value] of Object.entries(mapped.outputs ?? {})) {
    const entry = target.getStage(stageId);
    if (!entry)
      return {
        refused: `the migration gives an output for "${stageId}", not a stage of the target`,
      };
    const parsed = entry.stage.schemas.output.safeParse(value);
    if (!parsed.success)
      return {
        refused: `the output carried to stage "${stageId}" ${describeIssues(parsed.error)}`,
      };
    outputs.set(stageId, value);
  }
  const complete = (g: number) => (target.groups[g] ?? []).every((s) => outputs.has(s.id));

  let resumeGroup: number | undefined;
  if (mapped.resumeAt !== undefined) {
    resumeGroup = target.getStage(mapped.resumeAt)?.groupIndex;
    if (resumeGroup === undefined)
      return { refused: `resumeAt "${mapped.resumeAt}" is not a stage of the target` };
  } else {
    // Where the run was, if the target still has that stage; else the first unfinished group.
    const here = pending.map((id) => target.getStage(id)?.groupIndex).find((g) => g !== undefined);
    resumeGroup =
      here !== undefined && !complete(here)
        ? here
        : target.groups.findIndex((_, g) => !complete(g));
    if (resumeGroup < 0) return { refused: "every stage of the target would count as completed" };
  }
  if (complete(resumeGroup))
    return { refused: `every stage of the group to resume ("${mapped.resumeAt}") has an output` };
  // Groups past the resume point run again when the run gets there: what was carried for them
  // would meet the stage records they start.
  for (const stageId of [...outputs.keys()])
    if ((target.getStage(stageId)?.groupIndex ?? 0) > resumeGroup) outputs.delete(stageId);

  const fromGroup = inputSourceOf(run, records, target, resumeGroup, complete);
  if (fromGroup !== -1 && !complete(fromGroup))
    return {
      refused: `stage "${target.groups[resumeGroup]?.[0]?.id}" would take its input from a group without outputs`,
    };
  return { input, inputChanged, outputs, resumeGroup, fromGroup };
}

/**
 * The target group whose output the resumed group receives: where the run entered its current
 * group from (told by the old stage records, mapped to the target by stage id), when the target
 * jumps and that group is complete there; else the group before it (-1: the run's input).
 */
function inputSourceOf(
  run: RunRecord,
  records: readonly StageRecord[],
  target: AnyWorkflow,
  resumeGroup: number,
  complete: (g: number) => boolean,
): number {
  if (target.branching) {
    const oldFrom = inputGroupOf(run.control, run.currentGroup);
    const fromStage = records.find((r) => r.groupIndex === oldFrom && r.status === "COMPLETED");
    const mapped = fromStage ? target.getStage(fromStage.stageId)?.groupIndex : undefined;
    if (mapped !== undefined && mapped !== resumeGroup && complete(mapped)) return mapped;
  }
  return resumeGroup - 1;
}

function describeIssues(error: Parameters<typeof zodIssues>[0]): string {
  const issues = zodIssues(error, "");
  return `does not fit the target's schema: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`;
}
