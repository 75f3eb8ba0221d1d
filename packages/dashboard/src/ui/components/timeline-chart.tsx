/**
 * A run's timeline drawn as bars: one row per stage, one bar per attempt from its start to its
 * outcome (a running attempt grows to now), coloured by outcome, on a shared time axis.
 */
import { formatDuration, formatTime } from "../format.js";
import type { TimelineBar } from "../types.js";

const ROW = 26;
const LABEL = 150;
const WIDTH = 900;

/** The chart. */
export function TimelineChart({ bars, now }: { bars: TimelineBar[]; now: string }) {
  if (bars.length === 0) return <p class="dim">No attempt has started yet.</p>;
  const ms = (iso: string) => new Date(iso).getTime();
  const start = Math.min(...bars.map((b) => ms(b.start)));
  const end = Math.max(...bars.map((b) => ms(b.end ?? now)), start + 1);
  const span = end - start;
  const rows = [...new Set(bars.map((b) => b.stageId))];
  const x = (t: number) => LABEL + ((t - start) / span) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + 24;
  return (
    <svg
      class="timeline-chart"
      data-testid="timeline-chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-label="timeline of attempts"
    >
      {rows.map((stageId, i) => (
        <text key={stageId} x={4} y={i * ROW + 17} class="tl-label">
          {stageId}
        </text>
      ))}
      {bars.map((bar) => {
        const row = rows.indexOf(bar.stageId);
        const x0 = x(ms(bar.start));
        const x1 = Math.max(x(ms(bar.end ?? now)), x0 + 3);
        const took = ms(bar.end ?? now) - ms(bar.start);
        return (
          <rect
            key={`${bar.stageId}-${bar.attempt}-${bar.start}`}
            class={`tl-bar tl-${bar.outcome}`}
            data-testid={`bar-${bar.stageId}-${bar.attempt}`}
            x={x0}
            y={row * ROW + 5}
            width={x1 - x0}
            height={ROW - 10}
            rx={3}
          >
            <title>
              {`${bar.stageId} attempt ${bar.attempt}: ${bar.outcome}, ${formatDuration(took)} from ${formatTime(bar.start)}${bar.error ? `\n${bar.error}` : ""}`}
            </title>
          </rect>
        );
      })}
      <text x={LABEL} y={height - 6} class="tl-axis">
        {formatTime(new Date(start).toISOString())}
      </text>
      <text x={WIDTH - 10} y={height - 6} class="tl-axis" text-anchor="end">
        +{formatDuration(span)}
      </text>
    </svg>
  );
}
