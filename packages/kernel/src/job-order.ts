/**
 * Fair dequeue order. Jobs of equal priority are handed out by their run's age, not by when
 * each job was enqueued: a run that has started finishes its later stages (a join after a
 * fan-out, a chain's next stage) before newer runs' first stages, instead of waiting behind
 * every job enqueued since. Per-run latency under a backlog then stays about one run's work,
 * where first-in, first-out made every run of a backlog finish at its very end.
 *
 * The key is bounded so an old run cannot hold the head of the queue forever (a run that loops,
 * or keeps being retried): a job counts as no older than {@link FAIR_HORIZON_MS} before its
 * availability. Availability itself is a filter, never the order: a delayed job (a retry, a
 * sleep) is not handed out before its `availableAt`, whatever its key.
 */
import type { NewJob } from "./records.js";

/** How much older than its availability a job's dequeue key may be (60 s). */
export const FAIR_HORIZON_MS = 60_000;

/**
 * A job's place in the dequeue order among jobs of its priority (earliest first, ties by
 * enqueue order): its run's creation time (`runCreatedAt`, else its availability), but no
 * earlier than {@link FAIR_HORIZON_MS} before its availability. Transports store it with the
 * job when it is enqueued.
 */
export function jobOrderAt(job: Pick<NewJob, "availableAt" | "runCreatedAt">): Date {
  const available = job.availableAt.getTime();
  const runCreated = job.runCreatedAt?.getTime() ?? available;
  return new Date(Math.max(runCreated, available - FAIR_HORIZON_MS));
}
