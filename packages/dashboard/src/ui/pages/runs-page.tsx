/**
 * The runs list: newest first, filtered by status and workflow, searched by run id or
 * idempotency key prefix, paged by cursor; live (the page follows changes without reload).
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { getJson, useLive } from "../api.js";
import { StatusBadge } from "../components/status-badge.js";
import { between, formatDuration, formatTime } from "../format.js";
import type { RunList, WorkflowsView } from "../types.js";

const STATUSES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
];

/** The page. */
export function RunsPage() {
  const [status, setStatus] = useState("");
  const [workflow, setWorkflow] = useState("");
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const [workflowIds, setWorkflowIds] = useState<string[]>([]);
  useEffect(() => {
    getJson<WorkflowsView>("/api/workflows").then(
      (view) => setWorkflowIds(view.workflows.map((w) => w.id)),
      () => setWorkflowIds([]),
    );
  }, []);
  const cursor = cursors[cursors.length - 1];
  const params = useMemo(() => {
    const p = new URLSearchParams();
    if (status) p.set("status", status);
    if (workflow) p.set("workflow", workflow);
    if (search.trim()) p.set("q", search.trim());
    if (cursor) p.set("cursor", cursor);
    return p;
  }, [status, workflow, search, cursor]);
  const live = useLive<RunList>("/api/runs", params);
  const reset = () => setCursors([]);
  const now = new Date().toISOString();
  return (
    <section>
      <div class="toolbar">
        <h1>Runs</h1>
        <span class={live.connected ? "live on" : "live"}>
          {live.connected ? "live" : "offline"}
        </span>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            data-testid="filter-status"
            value={status}
            onChange={(e) => {
              setStatus(e.currentTarget.value);
              reset();
            }}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow
          <select
            data-testid="filter-workflow"
            value={workflow}
            onChange={(e) => {
              setWorkflow(e.currentTarget.value);
              reset();
            }}
          >
            <option value="">any</option>
            {workflowIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Search
          <input
            data-testid="search"
            type="search"
            placeholder="run id or idempotency key (prefix)"
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              reset();
            }}
          />
        </label>
      </form>
      {live.error && <p class="error">{live.error.message}</p>}
      <table class="runs" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Workflow</th>
            <th>Status</th>
            <th>Created</th>
            <th>Duration</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {live.data?.runs.map((run) => (
            <tr key={run.id} data-testid={`run-row-${run.id}`}>
              <td>
                <a href={`#/runs/${encodeURIComponent(run.id)}`} class="mono">
                  {run.id}
                </a>
                {run.idempotencyKey && <div class="dim">key {run.idempotencyKey}</div>}
              </td>
              <td>
                {run.workflowId}
                {run.workflowVersion && <span class="dim"> v{run.workflowVersion}</span>}
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{formatTime(run.createdAt)}</td>
              <td>{formatDuration(between(run.startedAt, run.completedAt, now))}</td>
              <td class="error-cell">
                {run.error ? `${run.error.code}: ${run.error.message}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {live.data && live.data.runs.length === 0 && <p class="dim">No runs.</p>}
      <div class="pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          ← Newer
        </button>
        <button
          type="button"
          disabled={!live.data?.nextCursor}
          onClick={() => live.data?.nextCursor && setCursors([...cursors, live.data.nextCursor])}
        >
          Older →
        </button>
      </div>
    </section>
  );
}
