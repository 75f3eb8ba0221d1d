/**
 * Everything the run page shows, read in one go: the run, its stages' live states and
 * attempts (the kernel's `loadRunInspection`), the explain sentence, its timeline and bars,
 * logs, events, parent and children, the stage groups of its definition (to show stages not
 * reached yet) and which actions apply now.
 */
import {
  type AnyWorkflow,
  createRegistry,
  decodeValue,
  explainRun,
  isTerminalRunStatus,
  loadRunInspection,
  type RunQueries,
  type RunRecord,
} from "@ratchet/kernel";
import { type TimelineBar, timelineBars } from "./timeline-bars.js";

/** A run named by another (parent, child). */
export interface RunLink {
  id: string;
  workflowId: string;
  status: string;
}

/** What applies to the run now. */
export interface RunActions {
  cancel: boolean;
  /** Stages it may be rerun from (a finished run whose definition is registered). */
  rerunFrom: string[];
  /** A failed or timed-out run may be retried from the stage that failed. */
  retry: boolean;
  /** Approval steps waiting for a decision. */
  approvals: string[];
}

/** The run page's data (dates as ISO strings once sent). */
export interface RunView {
  /** The run, its input and output decoded (dates as dates, not as stored). */
  run: Omit<RunRecord, "input" | "output"> & { input: unknown; output: unknown };
  stages: unknown[];
  timeline: unknown[];
  bars: TimelineBar[];
  explain: { summary: string; facts: Record<string, unknown> };
  /** Stage ids of the run's definition, group by group (empty when it is not registered). */
  groups: string[][];
  logs: unknown[];
  events: unknown[];
  parent: RunLink | null;
  children: RunLink[];
  actions: RunActions;
  now: string;
}

function link(run: RunRecord): RunLink {
  return { id: run.id, workflowId: run.workflowId, status: run.status };
}

/** Reads the run page's data; `null` when there is no such run. */
export async function loadRunView(
  queries: RunQueries,
  workflows: readonly AnyWorkflow[],
  runId: string,
  now: Date,
): Promise<RunView | null> {
  const inspection = await loadRunInspection(queries, runId, now);
  if (!inspection) return null;
  const { run } = inspection;
  const [logs, events, parent, children] = await Promise.all([
    queries.listLogs(runId),
    queries.listEvents(runId),
    run.parentRunId === null ? null : queries.getRun(run.parentRunId),
    queries.listRuns({ parentRunId: runId, limit: 100 }),
  ]);
  const definition = createRegistry(workflows).getDefinition(run);
  const ended = isTerminalRunStatus(run.status);
  const approvals = inspection.stages
    .filter((s) => s.state === "SUSPENDED" && s.wait?.kind === "approval")
    .map((s) => s.stageId);
  return {
    run: {
      ...run,
      input: decodeValue(run.input),
      output: run.output === null ? null : decodeValue(run.output),
    },
    stages: inspection.stages,
    timeline: inspection.timeline,
    bars: timelineBars(inspection.stages),
    explain: explainRun(inspection, now),
    groups: definition ? definition.groups.map((g) => g.map((s) => s.id)) : [],
    logs,
    events,
    parent: parent ? link(parent.run) : null,
    children: children.runs.map(link),
    actions: {
      cancel: !ended,
      rerunFrom: ended && definition ? inspection.stages.map((s) => s.stageId) : [],
      retry: (run.status === "FAILED" || run.status === "TIMED_OUT") && definition !== undefined,
      approvals,
    },
    now: now.toISOString(),
  };
}
