/**
 * The invariants the simulator checks after every step, read straight from an
 * {@link InMemoryStore} and the events a {@link CollectingEventSink} received, and (with a
 * {@link SimulationModel}) the work itself: see {@link InvariantName}.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { InMemoryStore, OutboxRow, StageRow } from "../../in-memory/store.js";
import { isTerminalRunStatus, type RunRecord, type RunStatus } from "../../records.js";
import type { CollectingEventSink } from "../collecting-event-sink.js";
import { checkCompensation } from "./compensation-checks.js";
import { checkCustomEvents } from "./custom-event-checks.js";
import type { SimulationModel } from "./model.js";
import type { SignalLog } from "./signal-log.js";
import type { InvariantName, InvariantViolation } from "./violations.js";
import { WaitChecker } from "./wait-checks.js";
import { WorkChecker } from "./work.js";
import type { StageExecution } from "./workflows.js";

export type { InvariantName, InvariantViolation } from "./violations.js";

/** Options of {@link InvariantChecker}. */
export interface InvariantCheckerOptions {
  store: InMemoryStore;
  events: CollectingEventSink;
  /** The workflows by id (to know the stages of straight-line workflows). */
  workflows: ReadonlyMap<string, AnyWorkflow>;
  /** Job attempts may exceed `maxAttempts` by this much (default 0). */
  attemptSlack?: number;
  /** What the work must come to (enables `wrong-output` and the failure checks). */
  model?: SimulationModel;
  /** Stage executions recorded so far (growing); inputs they carry are checked. */
  executions?: readonly StageExecution[];
  /** The signals the simulation sent (the wait invariants check what `run.signal` answered). */
  signals?: SignalLog;
}

interface RunState {
  terminal: RunStatus | undefined;
  /** Each completed stage record as first seen (its row object and fingerprint), by record id. */
  completed: Map<string, { row: StageRow; print: string }>;
  /** Highest published sequence, and the event id at each published sequence. */
  published: Map<number, string>;
  maxPublished: number;
  /** The run row and outbox size at the last full check (rows are replaced, never mutated). */
  lastRun: RunRecord | undefined;
  lastOutboxSize: number;
  lastStages: StageRow[];
}

const violation = (invariant: InvariantName, detail: string): InvariantViolation => ({
  invariant,
  detail,
});

/**
 * Codes a run, stage or job must never carry: they say a worker ran (or refused) something of
 * a definition it does not have, which routing exists to prevent.
 */
const ROUTING_CODES = new Set(["WORKFLOW_NOT_FOUND", "DEFINITION_UNAVAILABLE", "STAGE_NOT_FOUND"]);

function fingerprint(stage: StageRow): string {
  return JSON.stringify([
    stage.attempt,
    stage.completedAt?.getTime() ?? null,
    stage.outputRef,
    stage.output ?? null,
  ]);
}

/**
 * Checks the kernel's guarantees over a store, incrementally: call {@link InvariantChecker.check}
 * after every step (it remembers what it saw before), and {@link InvariantChecker.checkEnd}
 * once everything should be finished.
 *
 * @example
 * ```ts
 * const checker = new InvariantChecker({ store, events, workflows: new Map([[wf.id, wf]]) });
 * const broken = checker.check(runIds);
 * if (broken) throw new Error(`${broken.invariant}: ${broken.detail}`);
 * ```
 */
export class InvariantChecker {
  private readonly runs = new Map<string, RunState>();
  private readonly work: WorkChecker;
  private readonly waits: WaitChecker;
  private seenEvents = 0;

  /** A checker over `options.store` and `options.events`. */
  constructor(private readonly options: InvariantCheckerOptions) {
    this.work = new WorkChecker(options);
    this.waits = new WaitChecker(options);
  }

  /** Checks every invariant that must hold at any time; returns the first broken one. */
  check(runIds: readonly string[]): InvariantViolation | null {
    const published = this.checkPublished() ?? this.work.checkExecutions();
    if (published) return published;
    for (const runId of runIds) {
      const broken = this.checkRun(runId);
      if (broken) return broken;
    }
    return this.waits.check(runIds);
  }

  /**
   * Checks what must hold once faults stopped and everything was driven to the end: no parent
   * ended with a child it waited for still running, no child's end missed by its parent, every
   * run terminal, every event published (in order, each sequence at least once), no live job.
   */
  checkEnd(runIds: readonly string[]): InvariantViolation | null {
    const { store } = this.options;
    // First: a parent or child left waiting is why a run never ended.
    const waits = this.waits.checkEnd(runIds);
    if (waits) return waits;
    const open = runIds.filter((id) => {
      const run = store.runs.get(id);
      return !run || !isTerminalRunStatus(run.status);
    });
    if (open.length > 0) {
      const described = open
        .slice(0, 5)
        .map((id) => `${id} ${store.runs.get(id)?.status ?? "missing"}`)
        .join(", ");
      return violation("runs-terminate", `${open.length} run(s) never ended: ${described}`);
    }
    for (const runId of runIds) {
      const events = this.outboxOf(runId);
      const unpublished = events.filter((e) => e.publishedAt === null);
      if (unpublished.length > 0) {
        return violation(
          "outbox-drained",
          `run ${runId}: ${unpublished.length} event(s) never published (first #${unpublished[0]?.sequence} ${unpublished[0]?.type}${unpublished[0]?.dlqAt ? ", dead-lettered" : ""})`,
        );
      }
      const state = this.stateOf(runId);
      if (state.maxPublished !== events.length) {
        return violation(
          "outbox-drained",
          `run ${runId}: the sink received sequences up to ${state.maxPublished} of ${events.length}`,
        );
      }
      for (const key of store.jobsByRun.keysOf(runId)) {
        const job = store.jobs.get(key);
        if (job && (job.status === "PENDING" || job.status === "RUNNING")) {
          return violation(
            "no-live-jobs-after-end",
            `run ${runId} ended ${store.runs.get(runId)?.status} but job ${job.jobId} (${job.stageId}) is ${job.status}`,
          );
        }
      }
    }
    return null;
  }

  private stateOf(runId: string): RunState {
    let state = this.runs.get(runId);
    if (!state) {
      state = {
        terminal: undefined,
        completed: new Map(),
        published: new Map(),
        maxPublished: 0,
        lastRun: undefined,
        lastOutboxSize: -1,
        lastStages: [],
      };
      this.runs.set(runId, state);
    }
    return state;
  }

  private outboxOf(runId: string): OutboxRow[] {
    const { store } = this.options;
    const rows: OutboxRow[] = [];
    for (const key of store.outboxByRun.keysOf(runId)) {
      const row = store.outbox.get(key);
      if (row) rows.push(row);
    }
    return rows;
  }

  /** Events reach the sink per run in sequence order; a sequence seen again is the same event. */
  private checkPublished(): InvariantViolation | null {
    const events = this.options.events.events;
    for (; this.seenEvents < events.length; this.seenEvents++) {
      const event = events[this.seenEvents];
      if (!event) continue;
      const state = this.stateOf(event.workflowRunId);
      const known = state.published.get(event.sequence);
      if (known !== undefined) {
        if (known !== event.id) {
          return violation(
            "published-out-of-order",
            `run ${event.workflowRunId}: sequence ${event.sequence} published as two different events (${known}, ${event.id})`,
          );
        }
        continue;
      }
      if (event.sequence !== state.maxPublished + 1) {
        return violation(
          "published-out-of-order",
          `run ${event.workflowRunId}: published #${event.sequence} (${event.type}) after #${state.maxPublished}`,
        );
      }
      state.published.set(event.sequence, event.id);
      state.maxPublished = event.sequence;
    }
    return null;
  }

  private checkRun(runId: string): InvariantViolation | null {
    const { store, workflows } = this.options;
    const run = store.runs.get(runId);
    if (!run) return violation("run-exists", `run ${runId} is missing from the store`);
    const state = this.stateOf(runId);
    if (state.terminal !== undefined && run.status !== state.terminal) {
      return violation(
        "terminal-state-changed",
        `run ${runId} was ${state.terminal} and is now ${run.status}`,
      );
    }
    if (isTerminalRunStatus(run.status)) state.terminal = run.status;
    if (run.error && ROUTING_CODES.has(run.error.code)) {
      return violation(
        "failed-for-routing",
        `run ${runId} (${run.workflowId}) ended ${run.status} with ${run.error.code}: ${run.error.message}`,
      );
    }

    const stages: StageRow[] = [];
    let stagesChanged = false;
    const keys = store.stagesByRun.keysOf(runId);
    if (keys.size !== state.lastStages.length) stagesChanged = true;
    for (const key of keys) {
      const stage = store.stages.get(key);
      if (!stage) continue;
      if (state.lastStages[stages.length] !== stage) stagesChanged = true;
      stages.push(stage);
    }
    state.lastStages = stages;
    for (const stage of stages) {
      if (stage.error && ROUTING_CODES.has(stage.error.code)) {
        return violation(
          "failed-for-routing",
          `run ${runId} stage ${stage.stageId} failed with ${stage.error.code}: ${stage.error.message}`,
        );
      }
      const seen = state.completed.get(stage.id);
      if (seen !== undefined) {
        // Stored rows are replaced, never mutated: the same object has not changed.
        if (seen.row === stage) continue;
        const now = stage.status === "COMPLETED" ? fingerprint(stage) : stage.status;
        if (now !== seen.print) {
          return violation(
            "completed-stage-changed",
            `run ${runId} stage ${stage.stageId} (record ${stage.id}) completed as ${seen.print}, now ${now}`,
          );
        }
        seen.row = stage;
      } else if (stage.status === "COMPLETED") {
        state.completed.set(stage.id, { row: stage, print: fingerprint(stage) });
      }
    }

    const slack = this.options.attemptSlack ?? 0;
    let live: Map<string, string> | undefined;
    for (const key of store.jobsByRun.keysOf(runId)) {
      const job = store.jobs.get(key);
      if (!job) continue;
      if (job.attempt > job.maxAttempts + slack) {
        return violation(
          "job-attempts-exceeded",
          `run ${runId}: job ${job.jobId} (${job.stageId}) is at attempt ${job.attempt} of ${job.maxAttempts}`,
        );
      }
      if (job.status !== "PENDING" && job.status !== "RUNNING") continue;
      live ??= new Map();
      const other = live.get(job.stageId);
      if (other !== undefined) {
        return violation(
          "stage-job-duplicated",
          `run ${runId}: stage ${job.stageId} has two live jobs, ${other} and ${job.jobId} (${job.status})`,
        );
      }
      live.set(job.stageId, job.jobId);
    }

    // The rest only looks at the run row, its stage records and its outbox.
    const outboxSize = store.outboxByRun.keysOf(runId).size;
    if (run === state.lastRun && outboxSize === state.lastOutboxSize && !stagesChanged) return null;
    state.lastRun = run;
    state.lastOutboxSize = outboxSize;

    const work = this.work.checkRun(run, stages);
    if (work) return work;
    const workflow = workflows.get(run.workflowId);
    const compensation = checkCompensation(run, workflow, stages, this.outboxOf(runId));
    if (compensation) return compensation;
    const custom = checkCustomEvents(run, workflow, this.outboxOf(runId));
    if (custom) return custom;
    if (run.status === "COMPLETED") {
      // A choice's untaken branch is SKIPPED: fine, as long as it never ran.
      const unfinished = stages.find(
        (s) =>
          s.status !== "COMPLETED" &&
          !(s.status === "SKIPPED" && s.attempt === 0 && s.startedAt === null),
      );
      if (unfinished) {
        return violation(
          "completed-run-missing-stage",
          `run ${runId} is COMPLETED but stage ${unfinished.stageId} is ${unfinished.status}`,
        );
      }
      if (workflow && !workflow.branching) {
        const have = new Set(stages.map((s) => s.stageId));
        for (const group of workflow.groups) {
          for (const stage of group) {
            if (!have.has(stage.id)) {
              return violation(
                "completed-run-missing-stage",
                `run ${runId} is COMPLETED without a record of stage ${stage.id}`,
              );
            }
          }
        }
      }
    }

    const outbox = this.outboxOf(runId);
    const sequences = outbox.map((e) => e.sequence).sort((a, b) => a - b);
    for (let i = 0; i < sequences.length; i++) {
      if (sequences[i] !== i + 1) {
        return violation(
          "outbox-sequence-gap",
          `run ${runId}: outbox sequences are [${sequences.join(", ")}]`,
        );
      }
    }
    if (sequences.length !== run.eventSeq) {
      return violation(
        "outbox-sequence-gap",
        `run ${runId}: eventSeq is ${run.eventSeq} but the outbox holds ${sequences.length} event(s)`,
      );
    }
    if (workflow && !workflow.branching) {
      // Straight-line workflows complete each stage record once: one completion event each.
      const counts = new Map<string, number>();
      // …and end each attempt at most once: one retry (or final failure) per failed attempt.
      const failures = new Map<string, number>();
      for (const event of outbox) {
        const stageId = String(event.payload.stageId);
        if (event.type === "workflow.step.completed") {
          counts.set(stageId, (counts.get(stageId) ?? 0) + 1);
        } else if (event.type === "workflow.step.retry" || event.type === "workflow.step.failed") {
          const key = `${stageId} attempt ${String(event.payload.attempt)}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      }
      for (const [stageId, count] of counts) {
        if (count > 1) {
          return violation(
            "stage-completed-twice",
            `run ${runId}: stage ${stageId} has ${count} workflow.step.completed events`,
          );
        }
      }
      for (const [attempt, count] of failures) {
        if (count > 1) {
          return violation(
            "attempt-failed-twice",
            `run ${runId}: stage ${attempt} has ${count} workflow.step.retry/failed events`,
          );
        }
      }
    }
    return null;
  }
}
