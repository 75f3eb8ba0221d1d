/**
 * A run's stages as a graph of execution groups: one column per group (a parallel group's
 * stages stacked), each stage a box with its live state, attempt, worker and what it waits for.
 * Stages of the definition the run has not reached yet are shown as not started.
 */
import { formatDuration, formatTime, statusClass } from "../format.js";
import type { StageView } from "../types.js";

function StageBox({ stageId, stage }: { stageId: string; stage: StageView | undefined }) {
  const state = stage?.state ?? "NOT_STARTED";
  return (
    <div class={`stage ${statusClass(state)}`} data-testid={`stage-${stageId}`} data-state={state}>
      <div class="stage-name">{stageId}</div>
      <div class="stage-state">{state.replace(/_/g, " ").toLowerCase()}</div>
      {stage && stage.attempt > 0 && (
        <div class="stage-meta">
          attempt {stage.attempt}
          {stage.maxAttempts ? ` of ${stage.maxAttempts}` : ""}
        </div>
      )}
      {stage?.lease && (
        <div class="stage-meta">
          {stage.lease.workerId} · heartbeat {formatDuration(stage.lease.heartbeatAgeMs)} ago
          {stage.lease.expired ? " (lease expired)" : ""}
        </div>
      )}
      {stage?.progress && (state === "RUNNING" || state === "SUSPENDED") && (
        <div class="stage-meta" data-testid={`progress-${stageId}`}>
          {Math.round(stage.progress.progress)}% {stage.progress.message ?? ""}
        </div>
      )}
      {stage?.nextRetryAt && <div class="stage-meta">retry at {formatTime(stage.nextRetryAt)}</div>}
      {stage?.wait && (
        <div class="stage-meta">
          waits for {stage.wait.kind} {stage.wait.name}
        </div>
      )}
      {stage?.error && (
        <div class="stage-error" title={stage.error.stack ?? stage.error.message}>
          {stage.error.code}: {stage.error.message}
        </div>
      )}
    </div>
  );
}

/** The graph. `groups`: the definition's stage ids per group (empty when not registered). */
export function StageGraph({ stages, groups }: { stages: StageView[]; groups: string[][] }) {
  const byId = new Map(stages.map((s) => [s.stageId, s]));
  const columns =
    groups.length > 0
      ? groups
      : [...new Set(stages.map((s) => s.groupIndex))]
          .sort((a, b) => a - b)
          .map((g) => stages.filter((s) => s.groupIndex === g).map((s) => s.stageId));
  return (
    <div class="stage-graph" data-testid="stage-graph">
      {columns.map((column, index) => (
        <div class="group-wrap" key={column.join(",")}>
          {index > 0 && <div class="arrow">→</div>}
          <div class="group">
            {column.map((id) => (
              <StageBox key={id} stageId={id} stage={byId.get(id)} />
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}
