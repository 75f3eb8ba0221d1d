/** Formatting of times, durations and values for the pages. */

/** `2026-03-01 12:00:03` in the browser's time zone; `—` for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850 ms`, `12.3 s`, `4 min 2 s`, `3 h 5 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** Milliseconds between two ISO times (to `now` when `end` is missing). */
export function between(start: string | null, end: string | null, now: string): number | null {
  if (!start) return null;
  return new Date(end ?? now).getTime() - new Date(start).getTime();
}

/** A value as indented JSON. */
export function pretty(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** The CSS class of a status or state (`status-running`). */
export function statusClass(status: string): string {
  return `status status-${status.toLowerCase().replace(/_/g, "-")}`;
}
