/**
 * `handleJob`: one message from a push queue (SQS, Cloudflare Queues). The message names a
 * job; the host claims it (`claimJob`) and runs it. A duplicate or late message finds the job
 * taken or finished and is `skipped`, harmlessly. Never throws.
 */
import type { DequeuedJob, JobTransport, RunClaimPendingCommand } from "@ratchet/kernel";
import type { HostContext } from "./context.js";
import { reportError } from "./errors.js";
import { parseJobMessage } from "./message.js";
import { type HandleJobResult, unexpectedFailure } from "./result.js";
import { countOutcome, runJob } from "./run-job.js";

/** Handles one job message; see `HandleJobResult` for which results to ack. */
export async function handleJob(ctx: HostContext, message: unknown): Promise<HandleJobResult> {
  const { jobTransport, workerId, leaseMs, clock } = ctx.options;
  ctx.stats.messagesHandled++;
  const parsed = parseJobMessage(message, { full: jobTransport.claimJob === undefined });
  if (!parsed.ok) {
    ctx.stats.invalidMessages++;
    // A malformed message never succeeds: acknowledge it (the caller should log it).
    const result: HandleJobResult = { outcome: "failed", ack: true, error: parsed.error };
    countOutcome(ctx, result);
    return result;
  }
  if (parsed.pendingRunId !== undefined) return claimPendingRun(ctx, parsed.pendingRunId);
  const { jobId } = parsed;
  let job: DequeuedJob | null;
  try {
    job = jobTransport.claimJob
      ? await jobTransport.claimJob(jobId, {
          workerId,
          leaseMs,
          now: clock.now(),
          // A job of a definition this deployment lacks is left for one that has it.
          routes: ctx.options.kernel.routes,
        })
      : (parsed.job ?? null);
  } catch (error) {
    const result = unexpectedFailure(reportError(error), jobId);
    countOutcome(ctx, result);
    return result;
  }
  if (!job) {
    const result: HandleJobResult = {
      outcome: "skipped",
      ack: true,
      jobId,
      ...(await whyNotClaimed(jobTransport, jobId, clock.now(), ctx.options.kernel.routes)),
    };
    countOutcome(ctx, result);
    return result;
  }
  return runJob(ctx, job);
}

/**
 * A pending-run message (a run became `PENDING`): claims pending runs of this deployment's
 * definitions (the oldest of the highest priority first — the message is a wake-up, not an
 * order) and runs the first job, leased to this host in the claim's own transaction; the
 * claim publishes the rest of the group, if any. `skipped` when nothing was left to claim.
 */
async function claimPendingRun(ctx: HostContext, pendingRunId: string): Promise<HandleJobResult> {
  const { kernel, workerId, leaseMs } = ctx.options;
  let claimed: Awaited<ReturnType<typeof kernel.dispatch<RunClaimPendingCommand>>>;
  try {
    claimed = await kernel.dispatch({
      type: "run.claimPending",
      workerId,
      maxClaims: 1,
      continueWith: 1,
      leaseMs,
    });
  } catch (error) {
    const result = { ...unexpectedFailure(reportError(error)), workflowRunId: pendingRunId };
    countOutcome(ctx, result);
    return result;
  }
  const [job] = claimed.jobs ?? [];
  if (job) return runJob(ctx, job);
  const result: HandleJobResult = {
    outcome: "skipped",
    ack: true,
    workflowRunId: pendingRunId,
    reason:
      claimed.claimed.length > 0
        ? "claimed a pending run; its jobs are queued"
        : "no pending run left to claim",
  };
  countOutcome(ctx, result);
  return result;
}

/** Explains a `claimJob` that returned null (for logs), and when a job not yet due is; never throws. */
async function whyNotClaimed(
  transport: JobTransport,
  jobId: string,
  now: Date,
  routes: readonly string[],
): Promise<{ reason: string; notBefore?: Date }> {
  try {
    const job = await transport.getJob(jobId);
    if (!job) return { reason: "job not found" };
    // Left, untouched, for a deployment that has its definition (its own sweep takes it).
    if (job.status === "PENDING" && !routes.includes(job.route))
      return { reason: `job of ${job.route}, a definition not registered here` };
    if (job.status === "RUNNING")
      return { reason: `job is running (attempt ${job.attempt}, ${job.lockedBy})` };
    if (job.status === "PENDING" && job.availableAt.getTime() > now.getTime()) {
      return {
        reason: `job is not due until ${job.availableAt.toISOString()}`,
        notBefore: job.availableAt,
      };
    }
    return { reason: `job is ${job.status.toLowerCase()}` };
  } catch {
    return { reason: "job could not be claimed" };
  }
}
