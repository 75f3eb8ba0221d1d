/**
 * Job transport port: the queue of stage executions.
 *
 * Each job executes one attempt of one stage. The kernel enqueues jobs; hosts `dequeue`
 * them (taking a lease), hand each to the `job.execute` command, and renew leases while the
 * stage runs. The kernel then completes, suspends or fails the job in the same transaction
 * that records the stage's result.
 *
 * Implementing it:
 * - `enqueue` makes jobs visible **only when the scope's transaction commits** (a worker must
 *   never see a job whose enqueueing transaction may still roll back). Without a scope it
 *   commits at once. A job
 *   with `claimedBy` is stored already leased: `RUNNING`, `attempt` 1, `lockedBy` and
 *   `lockedUntil` from it — never handed out by `dequeue` unless its lease goes stale.
 * - `dequeue` atomically takes up to `limit` jobs with status `PENDING`, `availableAt <= now`
 *   and (when `routes` is given) a `route` among `routes`, highest `priority` first then oldest, marks them `RUNNING`, sets
 *   `lockedBy`/`lockedUntil = now + leaseMs` and increments `attempt`. Two concurrent callers
 *   never receive the same job (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
 * - `complete`, `suspend` and `fail` act only on a job that is `RUNNING` **at the attempt
 *   named by the {@link JobRef}**; they return `false` (and change nothing) otherwise. The
 *   attempt fences off a worker whose lease was taken over: its late result cannot settle the
 *   attempt another worker is running now. `release` acts only on a job `workerId` holds.
 * - `fail` with `retryAt` puts the job back to `PENDING` (available at `retryAt`); without,
 *   it ends `FAILED`.
 * - `renewLeases` extends the lease of jobs still locked by `workerId`; jobs no longer held
 *   (reaped, cancelled, finished) come back in `lost`.
 * - `releaseStaleLeases` finds `RUNNING` jobs whose lease ended before `now`: those with
 *   `attempt < maxAttempts` go back to `PENDING`; the others end `FAILED` and are returned in
 *   `exhausted`, so a job that kills its worker every time is not redelivered forever.
 * - `cancelForRun` ends every `PENDING`/`RUNNING` job of a run as `CANCELLED`.
 * - Every write method takes an optional {@link TransactionScope}; when `joinsTransactions`
 *   is true it must write through it.
 * - Time comes from the `now` arguments, never from the adapter's own clock.
 *
 * Run `jobTransportConformance` from `@ratchet/kernel/testing` against your adapter.
 */
import type { DequeuedJob, JobRecord, NewJob, StoredError } from "../records.js";
import type { TransactionScope } from "./transaction.js";

/** Names one attempt of a job; a {@link DequeuedJob} is one. */
export interface JobRef {
  jobId: string;
  attempt: number;
}

/** Options of {@link JobTransport.dequeue}. */
export interface DequeueOptions {
  workerId: string;
  /**
   * Take only jobs whose `route` is one of these (the definitions the worker registered; hosts
   * pass `kernel.routes`). Absent: any job — for tools and tests, never for a worker.
   */
  routes?: readonly string[];
  /** Most jobs to take at once. */
  limit: number;
  leaseMs: number;
  now: Date;
}

/** Options of {@link JobTransport.fail}. */
export interface FailJobOptions {
  error: StoredError;
  /** Retry at this time; omit to fail for good. */
  retryAt?: Date;
  now: Date;
}

/** Result of {@link JobTransport.renewLeases}. */
export interface RenewLeasesResult {
  renewed: string[];
  /** Jobs this worker no longer holds; it should stop working on them. */
  lost: string[];
}

/** Result of {@link JobTransport.releaseStaleLeases}. */
export interface ReleaseStaleResult {
  /** Jobs put back to `PENDING` for another attempt. */
  released: DequeuedJob[];
  /** Jobs that used up `maxAttempts` and ended `FAILED`. */
  exhausted: DequeuedJob[];
}

/** The queue of stage executions. */
export interface JobTransport {
  /** Whether write methods honour a {@link TransactionScope}. */
  readonly joinsTransactions: boolean;
  /**
   * Whether `enqueue` honours `NewJob.claimedBy` (stores the job already leased). The kernel
   * continues runs locally only on transports that say so: one that ignored it would leave the
   * job in the queue while the worker also runs it.
   */
  readonly enqueuesClaimed?: boolean;
  enqueue(jobs: readonly NewJob[], scope?: TransactionScope): Promise<void>;
  dequeue(options: DequeueOptions): Promise<DequeuedJob[]>;
  complete(job: JobRef, now: Date, scope?: TransactionScope): Promise<boolean>;
  suspend(job: JobRef, now: Date, scope?: TransactionScope): Promise<boolean>;
  fail(job: JobRef, options: FailJobOptions, scope?: TransactionScope): Promise<boolean>;
  /**
   * Optional. Takes the lease of one specific job, as `dequeue` would (status `RUNNING`,
   * `attempt + 1`), when it is `PENDING` and available at `now`; resolves `null` otherwise
   * (already taken, finished, not yet due, or its `route` not among `routes`). Hosts fed by a
   * push queue (SQS, Cloudflare Queues) use it, so a message is only a wake-up and a duplicate
   * message is harmless.
   */
  claimJob?(
    jobId: string,
    options: { workerId: string; leaseMs: number; now: Date; routes?: readonly string[] },
  ): Promise<DequeuedJob | null>;
  /** Gives up a job this worker holds without using up an attempt (graceful shutdown). */
  release(jobId: string, workerId: string, now: Date, scope?: TransactionScope): Promise<boolean>;
  renewLeases(
    jobIds: readonly string[],
    workerId: string,
    leaseMs: number,
    now: Date,
  ): Promise<RenewLeasesResult>;
  releaseStaleLeases(
    now: Date,
    limit: number,
    scope?: TransactionScope,
  ): Promise<ReleaseStaleResult>;
  cancelForRun(workflowRunId: string, now: Date, scope?: TransactionScope): Promise<number>;
  /**
   * Optional. Deletes every job of the given runs, whatever its status, and says how many:
   * `runs.purge` calls it for runs it deletes (ended runs, whose jobs have all ended). Without
   * it, a transport's finished jobs are its own to expire (a queue that drops them does).
   */
  purgeForRuns?(workflowRunIds: readonly string[], scope?: TransactionScope): Promise<number>;
  /**
   * Jobs of a run that are `PENDING` or `RUNNING`. With a scope (a joining transport), the read
   * goes through that transaction: a command holding the run's lock decides from the jobs as
   * the lock's previous holder left them, never from a list read before it waited for the lock.
   */
  activeJobsForRun(workflowRunId: string, scope?: TransactionScope): Promise<JobRecord[]>;
  getJob(jobId: string): Promise<JobRecord | null>;
}
