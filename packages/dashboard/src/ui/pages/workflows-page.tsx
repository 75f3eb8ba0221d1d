/** The registered workflows, each with its Mermaid graph, and the schedules. */
import { useEffect, useState } from "preact/hooks";
import { type ApiError, getJson } from "../api.js";
import { MermaidGraph } from "../components/mermaid-graph.js";
import { formatTime } from "../format.js";
import type { WorkflowsView } from "../types.js";

/** The page. */
export function WorkflowsPage() {
  const [view, setView] = useState<WorkflowsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<WorkflowsView>("/api/workflows").then(setView, (e: ApiError) => setError(e.message));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!view) return <p class="dim">Loading…</p>;
  return (
    <section>
      <h1>Workflows</h1>
      {view.workflows.length === 0 && (
        <p class="dim">
          No workflows registered with this dashboard (start it with <code>--workflows</code>).
        </p>
      )}
      {view.workflows.map((w) => (
        <section class="card" key={`${w.id}@${w.version}`} data-testid={`workflow-${w.id}`}>
          <h2>
            {w.name} <span class="dim mono">{w.id}</span> <span class="dim">v{w.version}</span>
          </h2>
          {w.description && <p>{w.description}</p>}
          <MermaidGraph text={w.mermaid} testId={`graph-${w.id}`} />
          <details>
            <summary>Mermaid text</summary>
            <pre>{w.mermaid}</pre>
          </details>
        </section>
      ))}
      <section class="card">
        <h2>Schedules</h2>
        {view.schedulesError && <p class="error">{view.schedulesError}</p>}
        {view.schedules.length === 0 ? (
          <p class="dim">No schedules.</p>
        ) : (
          <table data-testid="schedules">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Workflow</th>
                <th>Cron</th>
                <th>State</th>
                <th>Next</th>
              </tr>
            </thead>
            <tbody>
              {view.schedules.map((s) => (
                <tr key={s.id}>
                  <td class="mono">{s.id}</td>
                  <td>{s.workflowId}</td>
                  <td class="mono">
                    {s.cron} <span class="dim">{s.timezone}</span>
                  </td>
                  <td>{s.paused ? "paused" : "active"}</td>
                  <td>{s.upcoming.map(formatTime).join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
