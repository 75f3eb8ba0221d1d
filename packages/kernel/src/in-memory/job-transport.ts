/**
 * In-memory {@link JobTransport}: jobs in an {@link InMemoryStore}. It joins transactions of
 * the store's persistence: given one of them as scope, it writes through it (so an enqueue
 * becomes visible only when the transaction commits, and rolls back with it). Any other scope
 * is treated as no transaction.
 */

import { jobOrderAt } from "../job-order.js";
import type {
  JobRef,
  JobTransport,
  ReleaseStaleResult,
  RenewLeasesResult,
} from "../ports/job-transport.js";
import type { TransactionScope } from "../ports/transaction.js";
import type { DequeuedJob, JobRecord, JobStatus, NewJob, StoredError } from "../records.js";
import { cloneJson, copyDate, copyError, copyNullableDate } from "./copy.js";
import { pickRows, rowsOf } from "./select.js";
import { duplicateKeyError, type InMemoryStore, type JobRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

function copyDequeued(row: JobRow): DequeuedJob {
  return {
    jobId: row.jobId,
    workflowRunId: row.workflowRunId,
    workflowId: row.workflowId,
    stageId: row.stageId,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    payload: cloneJson(row.payload),
  };
}

function copyJob(row: JobRow): JobRecord {
  return {
    jobId: row.jobId,
    workflowRunId: row.workflowRunId,
    workflowId: row.workflowId,
    route: row.route,
    stageId: row.stageId,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    payload: cloneJson(row.payload),
    status: row.status,
    availableAt: copyDate(row.availableAt),
    lockedBy: row.lockedBy,
    lockedUntil: copyNullableDate(row.lockedUntil),
    lastError: copyError(row.lastError),
    createdAt: copyDate(row.createdAt),
    updatedAt: copyDate(row.updatedAt),
  };
}

/** Every job of a run, oldest first (in the order they were enqueued). */
export function listJobsOfRun(store: InMemoryStore, workflowRunId: string): JobRecord[] {
  return rowsOf(store.jobsByRun.keysOf(workflowRunId), (id) => store.jobs.get(id))
    .sort((a, b) => a.seq - b.seq)
    .map(copyJob);
}

/** Stores `jobs` (`PENDING`, or leased when `claimedBy` is set). */
export function enqueue(store: InMemoryStore, tx: StoreTransaction, jobs: readonly NewJob[]): void {
  for (const job of jobs) {
    if (store.jobs.get(job.jobId) !== undefined) throw duplicateKeyError("job", job.jobId);
    // `enqueue` has no `now`: the job counts as created when it becomes available.
    store.jobs.replace(tx, job.jobId, undefined, {
      jobId: job.jobId,
      workflowRunId: job.workflowRunId,
      workflowId: job.workflowId,
      route: job.route,
      stageId: job.stageId,
      priority: job.priority,
      attempt: job.claimedBy ? 1 : 0,
      maxAttempts: job.maxAttempts,
      payload: cloneJson(job.payload),
      status: job.claimedBy ? "RUNNING" : "PENDING",
      availableAt: tx.date(job.availableAt),
      lockedBy: job.claimedBy?.workerId ?? null,
      lockedUntil: job.claimedBy ? tx.date(job.claimedBy.leaseUntil) : null,
      lastError: null,
      createdAt: tx.date(job.availableAt),
      updatedAt: tx.date(job.availableAt),
      seq: store.nextSeq(),
      orderAt: tx.date(jobOrderAt(job)),
    });
  }
}

/**
 * A job row with new state fields. One literal rather than spreads: rows keep one hidden
 * class, and V8 builds it several times faster.
 */
function jobWith(
  row: JobRow,
  status: JobStatus,
  attempt: number,
  availableAt: Date,
  lockedBy: string | null,
  lockedUntil: Date | null,
  lastError: StoredError | null,
  updatedAt: Date,
): JobRow {
  return {
    jobId: row.jobId,
    workflowRunId: row.workflowRunId,
    workflowId: row.workflowId,
    route: row.route,
    stageId: row.stageId,
    priority: row.priority,
    attempt,
    maxAttempts: row.maxAttempts,
    payload: row.payload,
    status,
    availableAt,
    lockedBy,
    lockedUntil,
    lastError,
    createdAt: row.createdAt,
    updatedAt,
    seq: row.seq,
    orderAt: row.orderAt,
  };
}

/** Moves a job to a new state with its lock cleared. */
function unlock(tx: StoreTransaction, row: JobRow, status: JobStatus, now: Date): JobRow {
  return jobWith(
    row,
    status,
    row.attempt,
    row.availableAt,
    null,
    null,
    row.lastError,
    tx.date(now),
  );
}

/**
 * Writes `change(row)` if the job is `RUNNING` (held by `fence.workerId` and at
 * `fence.attempt`, when given).
 */
function changeRunning(
  store: InMemoryStore,
  tx: StoreTransaction,
  jobId: string,
  change: (row: JobRow) => JobRow,
  fence: { workerId?: string; attempt?: number } = {},
): boolean {
  const row = store.jobs.get(jobId);
  if (row?.status !== "RUNNING") return false;
  if (fence.workerId !== undefined && row.lockedBy !== fence.workerId) return false;
  if (fence.attempt !== undefined && row.attempt !== fence.attempt) return false;
  store.jobs.replace(tx, jobId, row, change(row));
  return true;
}

/** Settles a job `RUNNING` at `attempt` as `COMPLETED`; false when it is not. */
export function completeJob(
  store: InMemoryStore,
  tx: StoreTransaction,
  { jobId, attempt }: JobRef,
  now: Date,
): boolean {
  return changeRunning(store, tx, jobId, (row) => unlock(tx, row, "COMPLETED", now), { attempt });
}

const leaseExpired = (row: JobRow): StoredError => ({
  code: "LEASE_EXPIRED",
  message: `[ratchet] the lease of job ${row.jobId} (attempt ${row.attempt} of ${row.maxAttempts}) expired`,
  stageId: row.stageId,
});

/**
 * A {@link JobTransport} over `store`, joining the transactions of the store's persistence.
 *
 * @example
 * ```ts
 * const store = new InMemoryStore();
 * const jobs = createInMemoryJobTransport(store);
 * const [job] = await jobs.dequeue({ workerId: "w1", limit: 1, leaseMs: 30_000, now });
 * ```
 */
export function createInMemoryJobTransport(store: InMemoryStore): JobTransport {
  const txOf = (scope: TransactionScope | undefined) => store.transactionOf(scope);
  return store.ownJobTransport({
    joinsTransactions: true,
    enqueuesClaimed: true,

    enqueue: (jobs, scope) => store.execute(txOf(scope), (tx) => enqueue(store, tx, jobs)),

    dequeue: ({ workerId, limit, leaseMs, now, routes }) =>
      store.execute(undefined, (tx) => {
        const t = now.getTime();
        const served = routes === undefined ? undefined : new Set(routes);
        const picked = store.pendingJobs.first(
          limit,
          (row) =>
            row.availableAt.getTime() <= t && (served === undefined || served.has(row.route)),
        );
        const lockedUntil = new Date(t + leaseMs);
        return picked.map((prev) => {
          const next = jobWith(
            prev,
            "RUNNING",
            prev.attempt + 1,
            prev.availableAt,
            workerId,
            lockedUntil,
            prev.lastError,
            tx.date(now),
          );
          store.jobs.replace(tx, next.jobId, prev, next);
          return copyDequeued(next);
        });
      }),

    claimJob: (jobId, { workerId, leaseMs, now, routes }) =>
      store.execute(undefined, (tx) => {
        const prev = store.jobs.get(jobId);
        if (prev?.status !== "PENDING" || prev.availableAt.getTime() > now.getTime()) return null;
        if (routes !== undefined && !routes.includes(prev.route)) return null;
        const next = jobWith(
          prev,
          "RUNNING",
          prev.attempt + 1,
          prev.availableAt,
          workerId,
          new Date(now.getTime() + leaseMs),
          prev.lastError,
          copyDate(now),
        );
        store.jobs.replace(tx, jobId, prev, next);
        return copyDequeued(next);
      }),

    complete: (job, now, scope) =>
      store.execute(txOf(scope), (tx) => completeJob(store, tx, job, now)),

    suspend: ({ jobId, attempt }, now, scope) =>
      store.execute(txOf(scope), (tx) =>
        changeRunning(store, tx, jobId, (row) => unlock(tx, row, "SUSPENDED", now), { attempt }),
      ),

    fail: ({ jobId, attempt }, { error, retryAt, now }, scope) =>
      store.execute(txOf(scope), (tx) =>
        changeRunning(
          store,
          tx,
          jobId,
          (row) =>
            jobWith(
              row,
              retryAt === undefined ? "FAILED" : "PENDING",
              row.attempt,
              retryAt === undefined ? row.availableAt : copyDate(retryAt),
              null,
              null,
              copyError(error),
              copyDate(now),
            ),
          { attempt },
        ),
      ),

    release: (jobId, workerId, now, scope) =>
      store.execute(txOf(scope), (tx) =>
        changeRunning(
          store,
          tx,
          jobId,
          (row) =>
            jobWith(
              row,
              "PENDING",
              Math.max(0, row.attempt - 1),
              copyDate(now),
              null,
              null,
              row.lastError,
              copyDate(now),
            ),
          { workerId },
        ),
      ),

    renewLeases: (jobIds, workerId, leaseMs, now) =>
      store.execute(undefined, (tx): RenewLeasesResult => {
        const lockedUntil = new Date(now.getTime() + leaseMs);
        const result: RenewLeasesResult = { renewed: [], lost: [] };
        for (const jobId of jobIds) {
          const held = changeRunning(
            store,
            tx,
            jobId,
            (row) =>
              jobWith(
                row,
                row.status,
                row.attempt,
                row.availableAt,
                row.lockedBy,
                lockedUntil,
                row.lastError,
                copyDate(now),
              ),
            { workerId },
          );
          (held ? result.renewed : result.lost).push(jobId);
        }
        return result;
      }),

    releaseStaleLeases: (now, limit, scope) =>
      store.execute(txOf(scope), (tx): ReleaseStaleResult => {
        const t = now.getTime();
        const stale = pickRows({
          keys: store.runningJobs.values,
          get: (id) => store.jobs.get(id),
          accept: (row) => row.lockedUntil !== null && row.lockedUntil.getTime() < t,
          limit,
          compare: (a, b) =>
            (a.lockedUntil?.getTime() ?? 0) - (b.lockedUntil?.getTime() ?? 0) || a.seq - b.seq,
        });
        const result: ReleaseStaleResult = { released: [], exhausted: [] };
        for (const prev of stale) {
          const exhausted = prev.attempt >= prev.maxAttempts;
          const next = jobWith(
            prev,
            exhausted ? "FAILED" : "PENDING",
            prev.attempt,
            exhausted ? prev.availableAt : copyDate(now),
            null,
            null,
            leaseExpired(prev),
            copyDate(now),
          );
          store.jobs.put(tx, next.jobId, next);
          (exhausted ? result.exhausted : result.released).push(copyDequeued(next));
        }
        return result;
      }),

    cancelForRun: (workflowRunId, now, scope) =>
      store.execute(txOf(scope), (tx) => {
        const active = rowsOf(store.jobsByRun.keysOf(workflowRunId), (id) =>
          store.jobs.get(id),
        ).filter((row) => row.status === "PENDING" || row.status === "RUNNING");
        for (const row of active) store.jobs.put(tx, row.jobId, unlock(tx, row, "CANCELLED", now));
        return active.length;
      }),

    purgeForRuns: (workflowRunIds, scope) =>
      store.execute(txOf(scope), (tx) => {
        const ids = workflowRunIds.flatMap((runId) => [...store.jobsByRun.keysOf(runId)]);
        for (const id of ids) store.jobs.delete(tx, id);
        return ids.length;
      }),

    activeJobsForRun: (workflowRunId, scope) =>
      store.execute(txOf(scope), () =>
        rowsOf(store.jobsByRun.keysOf(workflowRunId), (id) => store.jobs.get(id))
          .filter((row) => row.status === "PENDING" || row.status === "RUNNING")
          .sort((a, b) => a.seq - b.seq)
          .map(copyJob),
      ),

    getJob: (jobId) =>
      store.execute(undefined, () => {
        const row = store.jobs.get(jobId);
        return row === undefined ? null : copyJob(row);
      }),
  });
}
