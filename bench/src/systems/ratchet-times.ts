/**
 * Ratchet's per-run times for the latency under a backlog (W1, W2): the run row's `created_at`
 * and `completed_at`, and the earliest `started_at` of its stages (the attempt's start, written
 * with the stage's completion). All three are the kernel's clock in the process that wrote them.
 */
import type { RunTimes, Target } from "../frames.js";
import { openReader } from "./ratchet.js";

/** A timestamp as ms since the epoch: PostgreSQL's as `extract(epoch …)`, SQLite's integer ms. */
const ms = (target: Target, column: string) =>
  target.kind === "postgres" ? `(extract(epoch FROM ${column}) * 1000)::float8` : column;

/** Every completed run's times, on a connection of its own. */
export async function ratchetRunTimes(target: Target): Promise<RunTimes[]> {
  const reader = await openReader(target);
  try {
    const rows = await reader.query(
      `SELECT ${ms(target, "r.created_at")} AS created, ${ms(target, "r.completed_at")} AS done,
              min(${ms(target, "s.started_at")}) AS started
         FROM ratchet_runs r LEFT JOIN ratchet_stages s ON s.run_id = r.id
        WHERE r.status = 'COMPLETED'
        GROUP BY r.id, r.created_at, r.completed_at`,
    );
    const num = (value: unknown) => (value === null ? Number.NaN : Number(value));
    return rows.map((r) => ({
      createdMs: num(r.created),
      startedMs: num(r.started),
      doneMs: num(r.done),
    }));
  } finally {
    await reader.close();
  }
}
