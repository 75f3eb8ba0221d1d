/**
 * The progress of runs, merged from two sources that may arrive in any order: outbox events
 * (published through the CLI's event sink) and snapshots of the run and stage records (polled
 * from the database). Every update only ever moves a stage or run *forward* — a late event
 * never undoes what a newer snapshot showed — and each step forward is reported once, to the
 * listeners, whichever source saw it first.
 */
import {
  decodeValue,
  isTerminalRunStatus,
  type RunRecord,
  type RunStatus,
  type StageRecord,
  type WorkflowEvent,
} from "@ratchet/kernel";
import {
  errorOf,
  type ProgressStep,
  type RunDetails,
  type StageDetails,
  stepOfEvent,
  stepOfRecord,
} from "./steps.js";
import {
  type ProgressChange,
  type RunView,
  type StagePhase,
  type StageView,
  TERMINAL_PHASES,
} from "./view.js";

/** How a run is shown. */
export interface TrackOptions {
  label?: string;
  workflowId?: string;
  /** The workflow's stage ids in order, so stages not reached yet are shown as pending. */
  stageIds?: readonly string[];
}

/** Options of {@link ProgressTracker}. */
export interface TrackerOptions {
  /** Track every run an event or snapshot mentions (default: only runs passed to `track`). */
  autoTrack?: boolean;
  /** Drop runs once they ended (for long-running workers). */
  forgetFinished?: boolean;
}

type Listener = (change: ProgressChange, run: RunView) => void;

const PHASE_ORDER: Record<StagePhase, number> = {
  pending: 0,
  running: 1,
  retrying: 2,
  suspended: 2,
  completed: 3,
  failed: 3,
  cancelled: 3,
  skipped: 3,
};
const RUN_ORDER: Record<RunStatus, number> = {
  SCHEDULED: 0,
  PENDING: 0,
  RUNNING: 1,
  COMPENSATING: 1,
  COMPLETED: 2,
  FAILED: 2,
  CANCELLED: 2,
  TIMED_OUT: 2,
  COMPENSATED: 2,
  COMPENSATION_FAILED: 2,
};

/** How far along a stage is: attempts count first, then the phase within the attempt. */
function rank(phase: StagePhase, attempt: number): number {
  return TERMINAL_PHASES.has(phase) ? Number.MAX_SAFE_INTEGER : attempt * 10 + PHASE_ORDER[phase];
}

/** Keeps the {@link RunView}s of the runs being shown. */
export class ProgressTracker {
  private readonly views = new Map<string, RunView>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly options: TrackerOptions = {}) {}

  /** Starts tracking a run (idempotent). */
  track(runId: string, options: TrackOptions = {}): RunView {
    let view = this.views.get(runId);
    if (!view) {
      view = {
        runId,
        label: options.label ?? runId.slice(-8),
        workflowId: options.workflowId,
        status: "PENDING",
        createdAt: undefined,
        startedAt: undefined,
        endedAt: undefined,
        stages: [],
        error: undefined,
        output: undefined,
      };
      this.views.set(runId, view);
    }
    for (const stageId of options.stageIds ?? []) this.stageOf(view, stageId);
    return view;
  }

  /** The view of a run, if tracked. */
  get(runId: string): RunView | undefined {
    return this.views.get(runId);
  }

  /** Every tracked run, in the order tracking started. */
  list(): RunView[] {
    return [...this.views.values()];
  }

  /** Whether every tracked run has ended. */
  allEnded(): boolean {
    return this.list().every((view) => isTerminalRunStatus(view.status));
  }

  /** Calls `listener` for every step forward; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a published outbox event. */
  applyEvent(event: WorkflowEvent): void {
    const view = this.viewFor(event.workflowRunId);
    const step = stepOfEvent(event);
    if (view && step) this.apply(view, step);
  }

  /** Applies the current records of a run and its stages. */
  applySnapshot(run: RunRecord, stages: readonly StageRecord[]): void {
    const view = this.viewFor(run.id);
    if (!view) return;
    view.workflowId ??= run.workflowId;
    const runStep: ProgressStep = {
      kind: "run",
      status: run.status,
      details: {
        createdAt: run.createdAt.getTime(),
        startedAt: run.startedAt?.getTime(),
        endedAt: run.completedAt?.getTime(),
      },
      error: errorOf(run.error),
      ...(run.status === "COMPLETED" ? { output: decodeValue(run.output ?? null) } : {}),
    };
    // A run is shown started before its stages, and ended after them.
    const ended = isTerminalRunStatus(run.status);
    if (!ended) this.apply(view, runStep);
    for (const record of [...stages].sort((a, b) => a.groupIndex - b.groupIndex))
      this.apply(view, stepOfRecord(record));
    if (ended) this.apply(view, runStep);
  }

  private apply(view: RunView, step: ProgressStep): void {
    if (step.kind === "stage") {
      this.setStage(view, step.stageId, step.phase, step.attempt, step.details);
    } else if (step.kind === "message") {
      const stage = this.stageOf(view, step.stageId);
      if (stage.phase === "running") stage.message = step.message;
    } else {
      if (step.workflowId !== undefined) view.workflowId ??= step.workflowId;
      if ("output" in step && view.output === undefined) view.output = step.output;
      if (step.error) view.error ??= step.error;
      this.setRun(view, step.status, step.details);
    }
  }

  private viewFor(runId: string): RunView | undefined {
    return this.views.get(runId) ?? (this.options.autoTrack ? this.track(runId) : undefined);
  }

  private stageOf(view: RunView, stageId: string): StageView {
    let stage = view.stages.find((s) => s.stageId === stageId);
    if (!stage) {
      stage = {
        stageId,
        phase: "pending",
        attempt: 0,
        startedAt: undefined,
        endedAt: undefined,
        message: undefined,
        error: undefined,
      };
      view.stages.push(stage);
    }
    return stage;
  }

  private setStage(
    view: RunView,
    stageId: string,
    phase: StagePhase,
    attempt: number,
    details: StageDetails,
  ): void {
    const stage = this.stageOf(view, stageId);
    const advance = rank(phase, attempt) > rank(stage.phase, stage.attempt);
    if (advance) {
      stage.phase = phase;
      stage.attempt = attempt;
      stage.message = TERMINAL_PHASES.has(phase) ? undefined : details.message;
      if (phase === "retrying" || phase === "failed") stage.error = details.error;
      if (phase === "completed") stage.error = undefined;
    } else if (details.message !== undefined && stage.phase === phase && phase === "running") {
      stage.message = details.message;
    }
    // The earliest start seen is the first attempt's.
    if (details.startedAt !== undefined && (stage.startedAt ?? Infinity) > details.startedAt)
      stage.startedAt = details.startedAt;
    if (details.endedAt !== undefined && TERMINAL_PHASES.has(stage.phase))
      stage.endedAt ??= details.endedAt;
    if (advance) this.emit({ kind: "stage", runId: view.runId, stageId, phase, attempt }, view);
  }

  private setRun(view: RunView, status: RunStatus, details: RunDetails): void {
    const advance = RUN_ORDER[status] > RUN_ORDER[view.status];
    if (advance) view.status = status;
    if (details.createdAt !== undefined) view.createdAt ??= details.createdAt;
    if (details.startedAt !== undefined) view.startedAt ??= details.startedAt;
    if (details.endedAt !== undefined && isTerminalRunStatus(view.status))
      view.endedAt ??= details.endedAt;
    if (!advance) return;
    this.emit({ kind: "run", runId: view.runId, status }, view);
    if (this.options.forgetFinished && isTerminalRunStatus(status)) this.views.delete(view.runId);
  }

  private emit(change: ProgressChange, view: RunView): void {
    for (const listener of this.listeners) listener(change, view);
  }
}
