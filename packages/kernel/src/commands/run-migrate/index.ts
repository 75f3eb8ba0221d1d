/**
 * `run.migrate`: moves one waiting run to another registered version of its workflow, at a stage
 * boundary, in one transaction — nothing is half-moved. The target's declared migration (or, for
 * an edit under the same version, keeping outputs by stage id) maps the completed stages'
 * outputs to the new graph; the run's unfinished stages, jobs and timers are dropped and the
 * group it resumes with is started on the new definition. A run that cannot move is reported
 * `refused` with the reason (a stage being executed or suspended, no migration declared, an
 * output that does not fit the new schema …) and left exactly as it was. `dryRun` plans and
 * reports without writing.
 */

import { z } from "zod";
import { decodeValue, encodeValue } from "../../codec.js";
import { routeKey } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { RunNotFoundError, WorkflowNotFoundError } from "../../errors.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import {
  RUN_TIMEOUT_COMMAND,
  runCorrelationPrefix,
  timeoutCorrelationId,
} from "../../internal/run/correlation.js";
import { liveJobsOf } from "../../internal/run/live-jobs.js";
import { newGroup } from "../../internal/run/progression.js";
import { loadOutputs, prepareOutput } from "../../internal/stage/outputs.js";
import { commitRun, inTransaction, type UnitOfWork } from "../../internal/tx/unit-of-work.js";
import { checkPayloadSize } from "../../internal/values/payload-size.js";
import {
  isTerminalRunStatus,
  type JsonObject,
  type RunPatch,
  type RunRecord,
  type StageRecord,
} from "../../records.js";
import { defineCommand } from "../command.js";
import { id, isId, optional } from "../fields.js";
import { type MovePlan, type PlanSource, planMove, precheck } from "./plan.js";

/** Moves a waiting run to another registered version of its workflow. */
export interface RunMigrateCommand {
  type: "run.migrate";
  workflowRunId: string;
  /** The version to move it to (default: the newest registered). */
  toVersion?: string;
  /** Plan and report only; nothing is written. */
  dryRun?: boolean;
}

/** A definition as the result names it. */
export interface DefinitionVersion {
  version: string;
  fingerprint: string;
}

/** Result of `run.migrate`. */
export interface RunMigrateResult {
  workflowRunId: string;
  workflowId: string;
  /**
   * `migrated`: moved; `planned`: a dry run found it can be moved; `skipped`: nothing to do (the
   * run has ended or is on the target already); `refused`: it cannot be moved (see `reason`),
   * nothing changed.
   */
  outcome: "migrated" | "planned" | "skipped" | "refused";
  /** Why it was skipped or refused. */
  reason?: string;
  /** `MIGRATION_REFUSED` when refused. */
  code?: "MIGRATION_REFUSED";
  from: DefinitionVersion;
  to: DefinitionVersion;
  /** The stage whose group the run continues with (moved or planned runs that had started). */
  resumeAt?: string;
  /** Stages whose outputs were carried over as completed. */
  carried?: string[];
}

/** Handles `run.migrate`. */
export async function runMigrate(
  command: RunMigrateCommand,
  deps: KernelDeps,
): Promise<RunMigrateResult> {
  const runId = command.workflowRunId;
  const staleBlobs: string[] = [];
  // Read under the run's lock (see liveJobsOf). A stage a worker starts after it cannot commit
  // onto the moved run: its stage record is gone.
  const liveJobsReader = await liveJobsOf(deps, runId);
  const result = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) throw new RunNotFoundError(runId);
    const target = targetOf(deps, run.workflowId, command.toVersion);
    const base = {
      workflowRunId: runId,
      workflowId: run.workflowId,
      from: { version: run.workflowVersion, fingerprint: run.fingerprint },
      to: { version: target.version, fingerprint: target.fingerprint },
    };
    if (isTerminalRunStatus(run.status))
      return { ...base, outcome: "skipped" as const, reason: `the run has ended (${run.status})` };
    if (
      routeKey(run) ===
      routeKey({ ...run, workflowVersion: target.version, fingerprint: target.fingerprint })
    )
      return { ...base, outcome: "skipped" as const, reason: "the run is on the target already" };

    const records = await uow.tx.listStages(runId);
    const source: PlanSource = {
      run,
      records,
      liveJobs: await liveJobsReader(uow),
      input: decodeValue(run.input),
      outputs: await loadOutputs(
        deps,
        uow.tx,
        records.filter((r) => r.status === "COMPLETED"),
      ),
    };
    const refusal = precheck(source, target);
    const plan = refusal ?? planMove(source, target);
    if ("refused" in plan)
      return {
        ...base,
        outcome: "refused" as const,
        code: "MIGRATION_REFUSED" as const,
        reason: plan.refused,
      };
    // A pending run has nothing to carry: it starts on the target from the beginning.
    const started = run.status !== "PENDING";
    const report = {
      ...base,
      ...(started ? { resumeAt: firstMissing(target, plan) } : {}),
      carried: started ? [...plan.outputs.keys()] : [],
    };
    if (command.dryRun) return { ...report, outcome: "planned" as const };

    for (const record of records)
      if (record.outputRef?.kind === "blob") staleBlobs.push(record.outputRef.key);
    await applyMove(deps, uow, run, records, target, plan);
    return { ...report, outcome: "migrated" as const };
  });
  if (result.outcome === "migrated")
    await Promise.all(staleBlobs.map((key) => deps.blobStore.delete(key).catch(() => undefined)));
  return result;
}

/** The first stage of the resumed group that runs again (the group's first, when none was carried). */
function firstMissing(target: AnyWorkflow, plan: MovePlan): string {
  const group = target.groups[plan.resumeGroup] ?? [];
  return (group.find((stage) => !plan.outputs.has(stage.id)) ?? group[0])?.id as string;
}

/** The definition to move to: `version` of the workflow, or its newest. */
function targetOf(deps: KernelDeps, workflowId: string, version: string | undefined): AnyWorkflow {
  const newest = deps.registry.getWorkflow(workflowId);
  if (!newest) throw new WorkflowNotFoundError(workflowId);
  if (version === undefined) return newest;
  const target = deps.registry.list().find((w) => w.id === workflowId && w.version === version);
  if (!target) throw new WorkflowNotFoundError(`${workflowId}@${version}`);
  return target;
}

/**
 * Rewrites the run onto `target`: unfinished stages, jobs and timers dropped, every stage record
 * replaced by the carried outputs (as completed records of the new graph), the resumed group
 * started, the run's version, fingerprint, input and control moved, a `workflow.migrated` event.
 */
async function applyMove(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  records: readonly StageRecord[],
  target: AnyWorkflow,
  plan: MovePlan,
): Promise<void> {
  const patch: RunPatch = { workflowVersion: target.version, fingerprint: target.fingerprint };
  if (plan.inputChanged) {
    const input = encodeValue(plan.input, "input");
    checkPayloadSize(input, deps.options.maxPayloadBytes, "input", { workflowId: target.id });
    patch.input = input;
  }
  const moved: RunRecord = { ...run, ...patch };
  uow.event(run, "workflow.migrated", {
    from: { version: run.workflowVersion, fingerprint: run.fingerprint },
    to: { version: target.version, fingerprint: target.fingerprint },
    carried: [...plan.outputs.keys()],
  });
  if (run.status === "PENDING") {
    await commitRun(uow, run, patch);
    return;
  }
  await uow.jobs((scope) => deps.jobTransport.cancelForRun(run.id, uow.now, scope));
  await uow.schedule((scope) =>
    deps.scheduler.cancelByCorrelationPrefix(runCorrelationPrefix(run.id), scope),
  );
  if (records.length > 0) await uow.tx.deleteStagesFrom(run.id, 0);
  await writeCarriedOutputs(deps, uow, run.id, target, plan.outputs);
  // The resumed group's stages without a carried output (all of them, unless it is a parallel
  // group some of whose branches were carried).
  const group = newGroup(deps, moved, target, plan.resumeGroup, uow.now);
  const started = {
    stages: group.stages.filter((stage) => !plan.outputs.has(stage.stageId)),
    jobs: group.jobs.filter((job) => !plan.outputs.has(job.stageId)),
  };
  await uow.tx.createStages(started.stages);
  await uow.enqueue(started.jobs);
  if (target.timeoutMs !== undefined && run.startedAt) {
    const runAt = new Date(run.startedAt.getTime() + target.timeoutMs);
    await uow.schedule((scope) =>
      deps.scheduler.schedule(
        {
          type: RUN_TIMEOUT_COMMAND,
          correlationId: timeoutCorrelationId(run.id),
          payload: { workflowRunId: run.id },
          runAt,
        },
        scope,
      ),
    );
  }
  const control: JsonObject =
    plan.fromGroup === plan.resumeGroup - 1 ? {} : { from: plan.fromGroup };
  await commitRun(uow, run, {
    ...patch,
    control,
    currentGroup: plan.resumeGroup,
    groupRemaining: started.stages.length,
  });
}

/** Completed stage records of the target holding the carried outputs. */
async function writeCarriedOutputs(
  deps: KernelDeps,
  uow: UnitOfWork,
  runId: string,
  target: AnyWorkflow,
  outputs: ReadonlyMap<string, unknown>,
): Promise<void> {
  if (outputs.size === 0) return;
  const stages = [...outputs.keys()].map((stageId) => ({
    id: deps.newId(),
    runId,
    stageId,
    groupIndex: target.getStage(stageId)?.groupIndex ?? 0,
    createdAt: uow.now,
  }));
  await uow.tx.createStages(stages);
  for (const stage of stages) {
    const prepared = await prepareOutput(
      deps,
      stage,
      encodeValue(outputs.get(stage.stageId), "output"),
    );
    await uow.tx.updateStage(
      stage.id,
      {
        status: "COMPLETED",
        attempt: 1,
        outputRef: prepared.ref,
        ...(prepared.ref.kind === "inline" ? { output: prepared.inline } : {}),
        startedAt: uow.now,
        completedAt: uow.now,
      },
      { now: uow.now },
    );
  }
}

/** `run.migrate`: its schema, fast check and handler. */
export const runMigrateModule = defineCommand<RunMigrateCommand, RunMigrateResult>({
  type: "run.migrate",
  schema: z.object({
    type: z.literal("run.migrate"),
    workflowRunId: id,
    toVersion: id.optional(),
    dryRun: z.boolean().optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workflowRunId) &&
    optional(c.toVersion, isId) &&
    optional(c.dryRun, (v) => typeof v === "boolean"),
  handle: runMigrate,
});
