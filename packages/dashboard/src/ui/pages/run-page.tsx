/**
 * A run: the explain sentence, actions, the stage graph with live states, the attempts drawn
 * on a timeline, the timeline's lines, logs, events, input and output, parent and children.
 * Live: the server pushes the run's data whenever it changes.
 */
import { useLive } from "../api.js";
import { ActionBar } from "../components/action-bar.js";
import { StageGraph } from "../components/stage-graph.js";
import { StatusBadge } from "../components/status-badge.js";
import { TimelineChart } from "../components/timeline-chart.js";
import { formatTime, pretty } from "../format.js";
import type { RunLink, RunView } from "../types.js";

function RunLinkItem({ link }: { link: RunLink }) {
  return (
    <li>
      <a href={`#/runs/${encodeURIComponent(link.id)}`} class="mono">
        {link.id}
      </a>{" "}
      {link.workflowId} <StatusBadge status={link.status} />
    </li>
  );
}

function Details({ view }: { view: RunView }) {
  return (
    <>
      <section class="card">
        <h2>Timeline</h2>
        <TimelineChart bars={view.bars} now={view.now} />
        <ol class="timeline" data-testid="timeline">
          {view.timeline.map((entry, i) => (
            <li key={`${entry.at}-${i}`}>
              <span class="dim">{formatTime(entry.at)}</span>{" "}
              {entry.stageId && <strong>{entry.stageId}</strong>} {entry.text}
            </li>
          ))}
        </ol>
      </section>
      <section class="card">
        <h2>Logs ({view.logs.length})</h2>
        <table class="logs" data-testid="logs">
          <tbody>
            {view.logs.map((log) => (
              <tr key={log.id} class={`level-${log.level}`}>
                <td class="dim nowrap">{formatTime(log.createdAt)}</td>
                <td>{log.level}</td>
                <td>{log.stageId ?? "run"}</td>
                <td>
                  {log.message}
                  {log.data !== null && <code class="data">{JSON.stringify(log.data)}</code>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Events ({view.events.length})</h2>
        <table class="events" data-testid="events">
          <tbody>
            {view.events.map((event) => (
              <tr key={event.id}>
                <td class="dim">{event.sequence}</td>
                <td class="dim nowrap">{formatTime(event.occurredAt)}</td>
                <td>{event.type}</td>
                <td>
                  {event.dlqAt ? "dead-lettered" : event.publishedAt ? "published" : "in outbox"}
                </td>
                <td>
                  <code class="data">{JSON.stringify(event.payload)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card two">
        <div>
          <h2>Input</h2>
          <pre data-testid="input">{pretty(view.run.input)}</pre>
        </div>
        <div>
          <h2>Output</h2>
          <pre data-testid="output">{view.run.output === null ? "—" : pretty(view.run.output)}</pre>
          {view.run.error && <pre class="error">{pretty(view.run.error)}</pre>}
        </div>
      </section>
    </>
  );
}

/** The page. */
export function RunPage({ runId }: { runId: string }) {
  const live = useLive<RunView>(`/api/runs/${encodeURIComponent(runId)}`, undefined);
  const view = live.data;
  if (!view)
    return (
      <p class={live.error ? "error" : "dim"}>{live.error ? live.error.message : "Loading…"}</p>
    );
  const { run } = view;
  return (
    <section>
      <div class="toolbar">
        <h1 class="mono">{run.id}</h1>
        <StatusBadge status={run.status} testId="run-status" />
        <span class={live.connected ? "live on" : "live"}>
          {live.connected ? "live" : "offline"}
        </span>
      </div>
      <p class="subtitle">
        {run.workflowId}
        {run.workflowVersion && ` v${run.workflowVersion}`} · created {formatTime(run.createdAt)}
        {run.startedAt && ` · started ${formatTime(run.startedAt)}`}
        {run.completedAt && ` · ended ${formatTime(run.completedAt)}`}
        {run.idempotencyKey && ` · key ${run.idempotencyKey}`}
      </p>
      <p class="explain card" data-testid="explain">
        {view.explain.summary}
      </p>
      <ActionBar view={view} />
      <section class="card">
        <h2>Stages</h2>
        <StageGraph stages={view.stages} groups={view.groups} />
      </section>
      {(view.parent || view.children.length > 0) && (
        <section class="card">
          {view.parent && (
            <>
              <h2>Parent run</h2>
              <ul>
                <RunLinkItem link={view.parent} />
              </ul>
            </>
          )}
          {view.children.length > 0 && (
            <>
              <h2>Child runs</h2>
              <ul>
                {view.children.map((child) => (
                  <RunLinkItem key={child.id} link={child} />
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      <Details view={view} />
    </section>
  );
}
