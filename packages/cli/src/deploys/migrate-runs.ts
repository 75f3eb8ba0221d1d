/**
 * Moving the waiting runs of one workflow version to another: every PENDING or RUNNING run of
 * the workflow at the source version, newest first, is handed to `run.migrate` (one
 * transaction per run, so a run is either moved whole or left exactly as it was). The results
 * are passed on one by one as they come; nothing keeps the runs.
 */
import {
  type AnyWorkflow,
  type Kernel,
  RatchetError,
  type RunMigrateResult,
  type RunQueries,
  type RunRecord,
} from "@ratchet/kernel";
import { plainMessage } from "../cli/report-error.js";
import { eachRun, IN_FLIGHT_STATUSES } from "./run-pages.js";

/** Which runs to move, and where to. */
export interface MigrateRunsRequest {
  workflowId: string;
  /** Runs recorded at this version are moved. */
  fromVersion: string;
  /** The registered definition they move to. */
  target: AnyWorkflow;
  /** Plan and report only; nothing is written. */
  dryRun: boolean;
  /** Stop after this many runs (default: every matching run). */
  limit?: number | undefined;
}

/** A run `run.migrate` could not handle at all (it raised an error instead of a result). */
export interface FailedMigration extends Omit<RunMigrateResult, "outcome" | "code"> {
  outcome: "failed";
  /** The error's code, e.g. `RUN_NOT_FOUND` for a run deleted meanwhile. */
  code: string;
  reason: string;
}

/** What happened to one run. */
export type MigrationReport = RunMigrateResult | FailedMigration;

/** Counts of what happened. */
export interface MigrationSummary {
  workflowId: string;
  fromVersion: string;
  toVersion: string;
  toFingerprint: string;
  dryRun: boolean;
  /** Runs of the workflow at the source version that were looked at. */
  examined: number;
  migrated: number;
  planned: number;
  skipped: number;
  refused: number;
  failed: number;
}

/** Whether any run needs an operator: refused, or failed outright. */
export function needsAttention(summary: MigrationSummary): boolean {
  return summary.refused > 0 || summary.failed > 0;
}

function failed(run: RunRecord, target: AnyWorkflow, error: RatchetError): FailedMigration {
  return {
    workflowRunId: run.id,
    workflowId: run.workflowId,
    outcome: "failed",
    code: error.code,
    reason: plainMessage(error.message),
    from: { version: run.workflowVersion, fingerprint: run.fingerprint },
    to: { version: target.version, fingerprint: target.fingerprint },
  };
}

/** Dispatches `run.migrate` for one run; a Ratchet error becomes a `failed` report. */
async function migrateOne(
  kernel: Kernel,
  run: RunRecord,
  request: MigrateRunsRequest,
): Promise<MigrationReport> {
  try {
    return await kernel.dispatch({
      type: "run.migrate",
      workflowRunId: run.id,
      toVersion: request.target.version,
      ...(request.dryRun ? { dryRun: true } : {}),
    });
  } catch (error) {
    if (error instanceof RatchetError) return failed(run, request.target, error);
    throw error;
  }
}

/**
 * Moves (or, with `dryRun`, plans moving) the waiting runs of `request.workflowId` at
 * `request.fromVersion` to `request.target`, calling `onReport` after each run.
 */
export async function migrateRuns(
  kernel: Kernel,
  queries: RunQueries,
  request: MigrateRunsRequest,
  onReport: (report: MigrationReport) => void,
): Promise<MigrationSummary> {
  const summary: MigrationSummary = {
    workflowId: request.workflowId,
    fromVersion: request.fromVersion,
    toVersion: request.target.version,
    toFingerprint: request.target.fingerprint,
    dryRun: request.dryRun,
    examined: 0,
    migrated: 0,
    planned: 0,
    skipped: 0,
    refused: 0,
    failed: 0,
  };
  const runs = eachRun(queries, { status: IN_FLIGHT_STATUSES, workflowId: request.workflowId });
  for await (const run of runs) {
    if (run.workflowVersion !== request.fromVersion) continue;
    if (request.limit !== undefined && summary.examined >= request.limit) break;
    summary.examined++;
    const report = await migrateOne(kernel, run, request);
    summary[report.outcome]++;
    onReport(report);
  }
  return summary;
}
