/**
 * The ledger of job executions: each delivery a worker executes (one `job.execute`), from its
 * start to its end, with the lease it held. It checks two invariants as deliveries begin and
 * stage bodies run: no two executions of one stage under different leases overlap while the
 * first one's lease is still valid (`stage-executions-overlap`), and no stage body runs for a
 * delivery of an attempt that had already ended when the delivery began
 * (`ended-attempt-rerun`).
 */
import type { InMemoryStore } from "../../in-memory/store.js";
import type { DequeuedJob, RunRecord, StageRecord } from "../../records.js";
import type { InvariantViolation } from "./violations.js";

/** One delivery of a job being executed by a worker. */
export interface Delivery {
  readonly workerId: string;
  readonly job: DequeuedJob;
  /** Reads the executing worker's clock (ms): its lease is judged by it. */
  readonly clock: () => number;
  /** Whether it held a valid lease when it began (the job `RUNNING` at its attempt, held by its worker, not expired). */
  readonly live: boolean;
  /** The end of its lease as last seen in the store (ms, by its worker's clock). */
  leaseUntil: number;
  /** Why its attempt had already ended when it began (`undefined`: it had not). */
  readonly ended: string | undefined;
}

/**
 * Why attempt `attempt` had ended, judged from the run and stage record the delivery is
 * executed against (`undefined`: it had not).
 */
export function endedAttempt(
  run: RunRecord | undefined,
  record: StageRecord | undefined,
  attempt: number,
): string | undefined {
  if (!run) return undefined;
  if (run.status !== "RUNNING") return `the run was ${run.status}`;
  if (!record) return undefined;
  if (record.status !== "PENDING" && record.status !== "RUNNING")
    return `the stage was ${record.status}`;
  if (record.error !== null && record.attempt >= attempt)
    return `attempt ${record.attempt} had ended with ${record.error.code}`;
  return undefined;
}

/**
 * Tracks the deliveries in progress over a store.
 *
 * @example
 * ```ts
 * const ledger = new ExecutionLedger(store);
 * const { delivery, violation } = ledger.begin("w1", job, () => clock.now().getTime());
 * // … job.execute …
 * ledger.end(delivery);
 * ```
 */
export class ExecutionLedger {
  private readonly open: Delivery[] = [];

  /** A ledger over `store`. */
  constructor(private readonly store: InMemoryStore) {}

  /**
   * A delivery begins: records it, and checks that no other execution of its stage holds a
   * valid lease while it starts under a lease of its own.
   */
  begin(
    workerId: string,
    job: DequeuedJob,
    clock: () => number,
  ): { delivery: Delivery; violation: InvariantViolation | null } {
    this.refresh();
    const row = this.store.jobs.get(job.jobId);
    const now = clock();
    const live =
      row?.status === "RUNNING" &&
      row.attempt === job.attempt &&
      row.lockedBy === workerId &&
      row.lockedUntil !== null &&
      row.lockedUntil.getTime() > now;
    const delivery: Delivery = {
      workerId,
      job,
      clock,
      live,
      leaseUntil: live ? (row.lockedUntil as Date).getTime() : Number.NEGATIVE_INFINITY,
      ended: this.endedBefore(job),
    };
    let violation: InvariantViolation | null = null;
    if (live) {
      for (const other of this.open) {
        if (!other.live || other.job.workflowRunId !== job.workflowRunId) continue;
        if (other.job.stageId !== job.stageId) continue;
        const sameLease =
          other.job.jobId === job.jobId &&
          other.job.attempt === job.attempt &&
          other.workerId === workerId;
        if (sameLease) continue;
        const left = other.leaseUntil - other.clock();
        if (left > 0) {
          violation = {
            invariant: "stage-executions-overlap",
            detail: `run ${job.workflowRunId}: stage ${job.stageId}: ${workerId} began attempt ${job.attempt} (job ${job.jobId}) while ${other.workerId} was still executing attempt ${other.job.attempt} (job ${other.job.jobId}) under a lease valid for another ${left} ms`,
          };
          break;
        }
      }
    }
    this.open.push(delivery);
    return { delivery, violation };
  }

  /** The stage body ran for `delivery`: it must not, if its attempt had already ended. */
  bodyRan(delivery: Delivery): InvariantViolation | null {
    if (delivery.ended === undefined) return null;
    const { job } = delivery;
    return {
      invariant: "ended-attempt-rerun",
      detail: `run ${job.workflowRunId}: stage ${job.stageId} ran attempt ${job.attempt} (job ${job.jobId}, ${delivery.workerId}) for a delivery begun after ${delivery.ended}`,
    };
  }

  /** The delivery's `job.execute` ended (returned, rejected, or its process died). */
  end(delivery: Delivery): void {
    const at = this.open.indexOf(delivery);
    if (at >= 0) this.open.splice(at, 1);
  }

  /** The process of `workerId` died: its deliveries stop. */
  endWorker(workerId: string): void {
    for (let i = this.open.length - 1; i >= 0; i--) {
      if (this.open[i]?.workerId === workerId) this.open.splice(i, 1);
    }
  }

  /**
   * Reads the leases of the open deliveries again: a heartbeat may have renewed one, and one
   * whose attempt was settled (completed, failed, retried, suspended, cancelled — by this
   * delivery or a duplicate of it) no longer holds a lease. A lease the reaper released
   * (`LEASE_EXPIRED`) keeps its end: taken before then, it was taken from a live holder.
   */
  refresh(): void {
    for (const delivery of this.open) {
      if (!delivery.live) continue;
      const { jobId, attempt } = delivery.job;
      const row = this.store.jobs.get(jobId);
      if (!row) continue;
      if (
        row.status === "RUNNING" &&
        row.attempt === attempt &&
        row.lockedBy === delivery.workerId
      ) {
        if (row.lockedUntil !== null) delivery.leaseUntil = row.lockedUntil.getTime();
        continue;
      }
      const reaped =
        row.lastError?.code === "LEASE_EXPIRED" &&
        (row.attempt === attempt || row.attempt === attempt + 1);
      if (!reaped) delivery.leaseUntil = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * Whether the delivery's attempt had ended: judged from its snapshot when it carries one (the
   * kernel reads nothing else then), else from the store as it begins.
   */
  private endedBefore(job: DequeuedJob): string | undefined {
    const snapshot = job.snapshot?.run.id === job.workflowRunId ? job.snapshot : undefined;
    if (snapshot) {
      const record = snapshot.stages.find((s) => s.stageId === job.stageId);
      return endedAttempt(snapshot.run, record, job.attempt);
    }
    const run = this.store.runs.get(job.workflowRunId);
    const key = this.store.stageByName.get(job.workflowRunId, job.stageId);
    return endedAttempt(
      run,
      key === undefined ? undefined : this.store.stages.get(key),
      job.attempt,
    );
  }
}
