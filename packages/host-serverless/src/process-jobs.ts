/**
 * `processAvailableJobs`: a cron-driven invocation drains the queue itself. Up to
 * `concurrency` jobs run at once; idle slots share one batched `dequeue`. When the time
 * budget is spent no new job starts (running ones finish), and jobs dequeued but not started
 * are given back with `release`, which does not use up an attempt. One job's failure never
 * stops the others; nothing here throws except for invalid options.
 */
import type { DequeuedJob } from "@ratchet/kernel";
import { z } from "zod";
import type { HostContext } from "./context.js";
import { DEFAULT_CONCURRENCY, DEFAULT_TIME_BUDGET_MS } from "./defaults.js";
import { parseHostOptions, type ReportedError, reportError } from "./errors.js";
import type { HandleJobResult } from "./result.js";
import { runJob } from "./run-job.js";

/** Options of `processAvailableJobs`. */
export interface ProcessJobsOptions {
  /** Most jobs to run in this call. */
  maxJobs: number;
  /**
   * Stop starting jobs after this many ms (default: no limit). Running jobs are not cut
   * short: leave a margin of the longest stage under the platform's time limit.
   */
  timeBudgetMs?: number;
  /** Jobs run at once (default 1). */
  concurrency?: number;
}

/** What `processAvailableJobs` did. */
export interface ProcessJobsResult {
  /** Jobs executed (the sum of the outcome counts below). */
  processed: number;
  /** Jobs whose stage completed. */
  succeeded: number;
  /** Jobs whose stage failed for good, or that hit an unexpected error (see `errors`). */
  failed: number;
  suspended: number;
  retrying: number;
  cancelled: number;
  /** Jobs the kernel skipped (already settled elsewhere). */
  skipped: number;
  /** Jobs dequeued but given back unstarted because the time budget ran out. */
  released: number;
  /** Whether the time budget ran out before `maxJobs` jobs ran or the queue emptied. */
  timeBudgetSpent: boolean;
  /** Unexpected errors: a job's (with its id), a failed dequeue or release. */
  errors: Array<ReportedError & { jobId?: string }>;
  elapsedMs: number;
}

const Options = z.object({
  maxJobs: z.number().int().nonnegative(),
  timeBudgetMs: z.number().nonnegative().optional(),
  concurrency: z.number().int().positive().optional(),
});

/** Dequeues and executes available jobs; see {@link ProcessJobsOptions}. */
export async function processAvailableJobs(
  ctx: HostContext,
  options: ProcessJobsOptions,
): Promise<ProcessJobsResult> {
  const parsed = parseHostOptions(Options, options, "processAvailableJobs option");
  const { maxJobs } = parsed;
  const concurrency = Math.min(parsed.concurrency ?? DEFAULT_CONCURRENCY, maxJobs);
  const startedAt = Date.now();
  const deadline = startedAt + (parsed.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  const result: ProcessJobsResult = {
    processed: 0,
    succeeded: 0,
    failed: 0,
    suspended: 0,
    retrying: 0,
    cancelled: 0,
    skipped: 0,
    released: 0,
    timeBudgetSpent: false,
    errors: [],
    elapsedMs: 0,
  };
  const source = jobSource(ctx, concurrency, maxJobs, deadline, result);
  const lane = async () => {
    for (let job = await source.take(); job; job = await source.take()) {
      tally(result, await runJob(ctx, job));
      source.finished();
    }
    source.exited();
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  await giveBack(ctx, source.leftover(), result);
  result.elapsedMs = Date.now() - startedAt;
  return result;
}

/** What {@link jobSource} gives the lanes. */
interface JobSource {
  /** The next job to run (the lane is then busy), or `undefined`: the lane should stop. */
  take(): Promise<DequeuedJob | undefined>;
  /** The lane finished its job. */
  finished(): void;
  /** The lane stopped. */
  exited(): void;
  /** Jobs dequeued but not handed out. */
  leftover(): DequeuedJob[];
}

/**
 * Hands out dequeued jobs to `lanes` lanes. One dequeue serves every idle lane (a batch of
 * as many jobs as lanes are idle, so no job waits leased for a lane), never past `maxJobs`.
 */
function jobSource(
  ctx: HostContext,
  lanes: number,
  maxJobs: number,
  deadline: number,
  result: ProcessJobsResult,
): JobSource {
  const { jobTransport, workerId, leaseMs, clock } = ctx.options;
  const buffer: DequeuedJob[] = [];
  let dequeued = 0;
  let busy = 0;
  let alive = lanes;
  let broken = false;
  let filling: Promise<number> | undefined;

  const fill = async (): Promise<number> => {
    try {
      const jobs = await jobTransport.dequeue({
        workerId,
        limit: Math.max(1, Math.min(alive - busy, maxJobs - dequeued)),
        leaseMs,
        now: clock.now(),
        routes: ctx.options.kernel.routes,
      });
      dequeued += jobs.length;
      buffer.push(...jobs);
      return jobs.length;
    } catch (error) {
      broken = true;
      result.errors.push(reportError(error));
      return 0;
    }
  };

  const take = async (): Promise<DequeuedJob | undefined> => {
    for (;;) {
      if (Date.now() >= deadline) {
        result.timeBudgetSpent = true;
        return undefined;
      }
      const job = buffer.shift();
      if (job) {
        busy++;
        return job;
      }
      if (broken || dequeued >= maxJobs) return undefined;
      filling ??= fill().finally(() => {
        filling = undefined;
      });
      if ((await filling) === 0 && buffer.length === 0) return undefined;
    }
  };

  return {
    take,
    finished: () => {
      busy--;
    },
    exited: () => {
      alive--;
    },
    leftover: () => buffer.splice(0),
  };
}

/** Releases jobs dequeued but not started. */
async function giveBack(
  ctx: HostContext,
  jobs: readonly DequeuedJob[],
  result: ProcessJobsResult,
): Promise<void> {
  const { jobTransport, workerId, clock } = ctx.options;
  for (const job of jobs) {
    try {
      if (await jobTransport.release(job.jobId, workerId, clock.now())) {
        result.released++;
        ctx.stats.jobsReleased++;
      }
    } catch (error) {
      // The lease runs out and `lease.reapStale` puts the job back.
      result.errors.push({ ...reportError(error), jobId: job.jobId });
    }
  }
}

function tally(result: ProcessJobsResult, job: HandleJobResult): void {
  result.processed++;
  if (job.outcome === "completed") result.succeeded++;
  else result[job.outcome]++;
  if (!job.ack && job.error)
    result.errors.push({ ...job.error, ...(job.jobId ? { jobId: job.jobId } : {}) });
}
