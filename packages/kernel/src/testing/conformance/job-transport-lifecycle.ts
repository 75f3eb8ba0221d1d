/**
 * Job transport conformance: what happens to a dequeued job — complete, suspend, fail and
 * retry, lease renewal, stale-lease reaping with `maxAttempts` (poison pills), release,
 * cancellation.
 */
import { expect, it } from "vitest";
import type { StoredError } from "../../records.js";
import { type JobTransportFixture, jobBuilder } from "./job-transport-fixture.js";
import { at, attemptOf, SECOND, uniqueId } from "./shared.js";

const LEASE_MS = 30 * SECOND;

/** Registers the job lifecycle tests. */
export function lifecycleTests(fixture: () => JobTransportFixture): void {
  /** Enqueues `count` jobs of a new run and dequeues them with `workerId` at `at(0)`; returns their ids. */
  async function running(count: number, workerId = "worker-1", maxAttempts = 3) {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const jobs = Array.from({ length: count }, () => build.job(runId, { maxAttempts }));
    await jobTransport.enqueue(jobs);
    const dequeued = await jobTransport.dequeue({
      workerId,
      limit: count,
      leaseMs: LEASE_MS,
      now: at(0),
    });
    expect(dequeued).toHaveLength(count);
    return jobs.map((job) => job.jobId);
  }

  it("complete, suspend and fail act only on a RUNNING job", async () => {
    const { jobTransport, persistence, backdoor } = fixture();
    const build = jobBuilder(persistence);
    // Available only much later, so the dequeue below does not take it.
    const pending = build.job(await build.run(), { availableAt: at(1_000 * SECOND) });
    await jobTransport.enqueue([pending]);
    const error: StoredError = { code: "E", message: "no" };
    expect(await jobTransport.complete(attemptOf(pending.jobId, 0), at(1))).toBe(false);
    expect(await jobTransport.suspend(attemptOf(pending.jobId), at(1))).toBe(false);
    expect(await jobTransport.fail(attemptOf(pending.jobId), { error, now: at(1) })).toBe(false);
    expect((await jobTransport.getJob(pending.jobId))?.status).toBe("PENDING");
    expect(await jobTransport.complete(attemptOf(uniqueId("missing")), at(1))).toBe(false);

    const [done = "", suspended = ""] = await running(2);
    expect(await jobTransport.complete(attemptOf(done), at(SECOND))).toBe(true);
    expect(await jobTransport.complete(attemptOf(done), at(2 * SECOND))).toBe(false);
    expect(await jobTransport.fail(attemptOf(done), { error, now: at(2 * SECOND) })).toBe(false);
    expect((await jobTransport.getJob(done))?.status).toBe("COMPLETED");
    if (backdoor) expect((await backdoor.readJob(done))?.status).toBe("COMPLETED");

    expect(await jobTransport.suspend(attemptOf(suspended), at(SECOND))).toBe(true);
    expect(await jobTransport.suspend(attemptOf(suspended), at(SECOND))).toBe(false);
    expect((await jobTransport.getJob(suspended))?.status).toBe("SUSPENDED");
  });

  it("fail with retryAt puts the job back to PENDING at retryAt, and the next dequeue increments attempt", async () => {
    const { jobTransport, backdoor } = fixture();
    const [jobId = ""] = await running(1);
    const error: StoredError = {
      code: "E_TIMEOUT",
      message: "upstream timed out",
      name: "TimeoutError",
      stageId: "fetch",
    };
    const retryAt = at(60 * SECOND);
    expect(
      await jobTransport.fail(attemptOf(jobId), { error, retryAt, now: at(10 * SECOND) }),
    ).toBe(true);
    const stored = await jobTransport.getJob(jobId);
    expect(stored).toMatchObject({
      status: "PENDING",
      availableAt: retryAt,
      lastError: error,
      attempt: 1,
    });
    if (backdoor) expect((await backdoor.readJob(jobId))?.lastError).toEqual(error);

    const dequeue = (now: Date) =>
      jobTransport.dequeue({ workerId: "w2", limit: 10, leaseMs: LEASE_MS, now });
    expect(await dequeue(at(60 * SECOND - 1))).toEqual([]);
    const [again] = await dequeue(retryAt);
    expect(again).toMatchObject({ jobId, attempt: 2 });
  });

  it("complete, suspend and fail ignore an attempt that is no longer the current one", async () => {
    const { jobTransport } = fixture();
    const [jobId = ""] = await running(1, "worker-1");
    // Worker 1's lease expires; worker 2 takes the job over as attempt 2.
    await jobTransport.releaseStaleLeases(at(LEASE_MS + SECOND), 10);
    const [taken] = await jobTransport.dequeue({
      workerId: "worker-2",
      limit: 1,
      leaseMs: LEASE_MS,
      now: at(LEASE_MS + SECOND),
    });
    expect(taken).toMatchObject({ jobId, attempt: 2 });
    // Worker 1 comes back late: its settlements must not touch attempt 2.
    const error: StoredError = { code: "E", message: "late" };
    expect(
      await jobTransport.fail(attemptOf(jobId, 1), {
        error,
        retryAt: at(0),
        now: at(LEASE_MS + 2 * SECOND),
      }),
    ).toBe(false);
    expect(await jobTransport.complete(attemptOf(jobId, 1), at(LEASE_MS + 2 * SECOND))).toBe(false);
    expect(await jobTransport.suspend(attemptOf(jobId, 1), at(LEASE_MS + 2 * SECOND))).toBe(false);
    expect(await jobTransport.getJob(jobId)).toMatchObject({
      status: "RUNNING",
      lockedBy: "worker-2",
      attempt: 2,
    });
    expect(await jobTransport.complete(attemptOf(jobId, 2), at(LEASE_MS + 3 * SECOND))).toBe(true);
  });

  it("fail without retryAt ends the job FAILED", async () => {
    const { jobTransport } = fixture();
    const [jobId = ""] = await running(1);
    const error: StoredError = { code: "E_FATAL", message: "bad input" };
    expect(await jobTransport.fail(attemptOf(jobId), { error, now: at(SECOND) })).toBe(true);
    expect(await jobTransport.getJob(jobId)).toMatchObject({ status: "FAILED", lastError: error });
    expect(
      await jobTransport.dequeue({
        workerId: "w",
        limit: 10,
        leaseMs: LEASE_MS,
        now: at(1_000 * SECOND),
      }),
    ).toEqual([]);
  });

  it("renewLeases extends the leases a worker still holds and reports the others as lost", async () => {
    const { jobTransport, persistence } = fixture();
    const [held1 = "", held2 = "", finished = ""] = await running(3, "worker-1");
    const build = jobBuilder(persistence);
    const foreign = build.job(await build.run());
    await jobTransport.enqueue([foreign]);
    await jobTransport.dequeue({ workerId: "worker-2", limit: 1, leaseMs: LEASE_MS, now: at(0) });
    await jobTransport.complete(attemptOf(finished), at(SECOND));
    const missing = uniqueId("missing");

    const result = await jobTransport.renewLeases(
      [held1, held2, finished, foreign.jobId, missing],
      "worker-1",
      LEASE_MS,
      at(20 * SECOND),
    );
    expect([...result.renewed].sort()).toEqual([held1, held2].sort());
    expect([...result.lost].sort()).toEqual([finished, foreign.jobId, missing].sort());
    expect((await jobTransport.getJob(held1))?.lockedUntil).toEqual(at(20 * SECOND + LEASE_MS));

    // The renewed jobs outlive their first lease; the other worker's job is reaped.
    const reaped = await jobTransport.releaseStaleLeases(at(40 * SECOND), 10);
    expect(reaped.released.map((job) => job.jobId)).toEqual([foreign.jobId]);
    expect((await jobTransport.getJob(held1))?.status).toBe("RUNNING");
  });

  it("releaseStaleLeases puts jobs whose lease ended back to PENDING", async () => {
    const { jobTransport } = fixture();
    const [jobId = ""] = await running(1);
    expect(await jobTransport.releaseStaleLeases(at(20 * SECOND), 10)).toEqual({
      released: [],
      exhausted: [],
    });
    const result = await jobTransport.releaseStaleLeases(at(LEASE_MS + 1), 10);
    expect(result.exhausted).toEqual([]);
    expect(result.released).toEqual([expect.objectContaining({ jobId, attempt: 1 })]);
    expect((await jobTransport.getJob(jobId))?.status).toBe("PENDING");
    const [again] = await jobTransport.dequeue({
      workerId: "w2",
      limit: 1,
      leaseMs: LEASE_MS,
      now: at(LEASE_MS + 1),
    });
    expect(again).toMatchObject({ jobId, attempt: 2 });
  });

  it("a job that keeps losing its lease ends FAILED after maxAttempts instead of being redelivered forever", async () => {
    const { jobTransport, backdoor } = fixture();
    const [jobId = ""] = await running(1, "doomed-1", 2);
    const first = await jobTransport.releaseStaleLeases(at(LEASE_MS + 1), 10);
    expect(first.released.map((job) => job.jobId)).toEqual([jobId]);

    const secondStart = at(LEASE_MS + 1);
    const [redelivered] = await jobTransport.dequeue({
      workerId: "doomed-2",
      limit: 1,
      leaseMs: LEASE_MS,
      now: secondStart,
    });
    expect(redelivered).toMatchObject({ jobId, attempt: 2 });
    const second = await jobTransport.releaseStaleLeases(at(2 * LEASE_MS + 2), 10);
    expect(second.released).toEqual([]);
    expect(second.exhausted).toEqual([
      expect.objectContaining({ jobId, attempt: 2, maxAttempts: 2 }),
    ]);
    expect((await jobTransport.getJob(jobId))?.status).toBe("FAILED");
    if (backdoor) expect((await backdoor.readJob(jobId))?.status).toBe("FAILED");
    expect(
      await jobTransport.dequeue({
        workerId: "w",
        limit: 10,
        leaseMs: LEASE_MS,
        now: at(1_000 * SECOND),
      }),
    ).toEqual([]);
  });

  it("releaseStaleLeases handles at most limit jobs per call", async () => {
    const { jobTransport } = fixture();
    await running(3);
    const first = await jobTransport.releaseStaleLeases(at(LEASE_MS + 1), 2);
    expect(first.released).toHaveLength(2);
    const second = await jobTransport.releaseStaleLeases(at(LEASE_MS + 1), 2);
    expect(second.released).toHaveLength(1);
  });

  it("release gives a held job back without using up an attempt", async () => {
    const { jobTransport } = fixture();
    const [jobId = ""] = await running(1, "worker-1");
    expect(await jobTransport.release(jobId, "worker-2", at(SECOND))).toBe(false);
    expect(await jobTransport.release(jobId, "worker-1", at(SECOND))).toBe(true);
    expect((await jobTransport.getJob(jobId))?.status).toBe("PENDING");
    expect(await jobTransport.release(jobId, "worker-1", at(SECOND))).toBe(false);
    const [again] = await jobTransport.dequeue({
      workerId: "worker-3",
      limit: 1,
      leaseMs: LEASE_MS,
      now: at(SECOND),
    });
    expect(again).toMatchObject({ jobId, attempt: 1 });
  });

  it("cancelForRun cancels the run's PENDING and RUNNING jobs only", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const otherRunId = await build.run();
    const runningJob = build.job(runId);
    const completedJob = build.job(runId);
    const pendingJob = build.job(runId);
    const otherJob = build.job(otherRunId);
    await jobTransport.enqueue([runningJob, completedJob]);
    await jobTransport.dequeue({ workerId: "w", limit: 2, leaseMs: LEASE_MS, now: at(0) });
    await jobTransport.complete(attemptOf(completedJob.jobId), at(SECOND));
    await jobTransport.enqueue([pendingJob, otherJob]);

    expect(await jobTransport.cancelForRun(runId, at(2 * SECOND))).toBe(2);
    const status = async (jobId: string) => (await jobTransport.getJob(jobId))?.status;
    expect(await status(runningJob.jobId)).toBe("CANCELLED");
    expect(await status(pendingJob.jobId)).toBe("CANCELLED");
    expect(await status(completedJob.jobId)).toBe("COMPLETED");
    expect(await status(otherJob.jobId)).toBe("PENDING");
    expect(await jobTransport.complete(attemptOf(runningJob.jobId), at(3 * SECOND))).toBe(false);
    const renewal = await jobTransport.renewLeases(
      [runningJob.jobId],
      "w",
      LEASE_MS,
      at(3 * SECOND),
    );
    expect(renewal.lost).toEqual([runningJob.jobId]);
    const dequeued = await jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(4 * SECOND),
    });
    expect(dequeued.map((job) => job.jobId)).toEqual([otherJob.jobId]);
    expect(await jobTransport.cancelForRun(runId, at(5 * SECOND))).toBe(0);
  });

  it("purgeForRuns, when offered, deletes every job of the given runs and no other", async () => {
    const { jobTransport, persistence } = fixture();
    if (!jobTransport.purgeForRuns) return;
    const build = jobBuilder(persistence);
    const [runA, runB, other] = [await build.run(), await build.run(), await build.run()];
    const completed = build.job(runA);
    const pending = build.job(runA);
    const failed = build.job(runB);
    const kept = build.job(other);
    await jobTransport.enqueue([completed, failed]);
    await jobTransport.dequeue({ workerId: "w", limit: 2, leaseMs: LEASE_MS, now: at(0) });
    await jobTransport.complete(attemptOf(completed.jobId), at(SECOND));
    await jobTransport.fail(attemptOf(failed.jobId), {
      error: { code: "X", message: "x" },
      now: at(SECOND),
    });
    await jobTransport.enqueue([pending, kept]);

    expect(await jobTransport.purgeForRuns([runA, runB])).toBe(3);
    for (const job of [completed, pending, failed])
      expect(await jobTransport.getJob(job.jobId)).toBeNull();
    expect((await jobTransport.getJob(kept.jobId))?.status).toBe("PENDING");
    expect(await jobTransport.purgeForRuns([runA])).toBe(0);
    expect(await jobTransport.purgeForRuns([])).toBe(0);
  });

  it("activeJobsForRun returns the run's PENDING and RUNNING jobs", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const otherRunId = await build.run();
    const runningJob = build.job(runId, { priority: 9 });
    const completedJob = build.job(runId, { priority: 8 });
    const failedJob = build.job(runId, { priority: 7 });
    const pendingJob = build.job(runId, { availableAt: at(60 * SECOND) });
    await jobTransport.enqueue([
      runningJob,
      completedJob,
      failedJob,
      pendingJob,
      build.job(otherRunId),
    ]);
    await jobTransport.dequeue({ workerId: "w", limit: 3, leaseMs: LEASE_MS, now: at(0) });
    await jobTransport.complete(attemptOf(completedJob.jobId), at(SECOND));
    await jobTransport.fail(attemptOf(failedJob.jobId), {
      error: { code: "E", message: "x" },
      now: at(SECOND),
    });

    const active = await jobTransport.activeJobsForRun(runId);
    expect(active.map((job) => job.jobId).sort()).toEqual(
      [runningJob.jobId, pendingJob.jobId].sort(),
    );
    const pending = active.find((job) => job.jobId === pendingJob.jobId);
    expect(pending).toEqual(await jobTransport.getJob(pendingJob.jobId));
    expect(pending?.availableAt).toEqual(at(60 * SECOND));
    expect(await jobTransport.activeJobsForRun(uniqueId("missing"))).toEqual([]);
  });

  it("a job enqueued with claimedBy is stored leased to that worker and never dequeued by others (when enqueuesClaimed)", async () => {
    const { jobTransport, persistence, backdoor } = fixture();
    if (!jobTransport.enqueuesClaimed) return expect(jobTransport.enqueuesClaimed).toBeFalsy();
    const build = jobBuilder(persistence);
    const claimed = build.job(await build.run(), {
      claimedBy: { workerId: "w1", leaseUntil: at(LEASE_MS) },
    });
    await jobTransport.enqueue([claimed]);
    expect(
      await jobTransport.dequeue({ workerId: "w2", limit: 10, leaseMs: LEASE_MS, now: at(SECOND) }),
    ).toEqual([]);
    const stored = await jobTransport.getJob(claimed.jobId);
    expect(stored).toMatchObject({
      status: "RUNNING",
      attempt: 1,
      lockedBy: "w1",
      lockedUntil: at(LEASE_MS),
    });
    if (backdoor)
      expect(await backdoor.readJob(claimed.jobId)).toMatchObject({
        status: "RUNNING",
        attempt: 1,
        lockedBy: "w1",
      });
    expect(
      (await jobTransport.renewLeases([claimed.jobId], "w1", LEASE_MS, at(2 * SECOND))).renewed,
    ).toEqual([claimed.jobId]);
    expect(await jobTransport.complete(attemptOf(claimed.jobId, 1), at(3 * SECOND))).toBe(true);
  });

  it("claimJob (when offered) takes one specific due PENDING job exactly once", async () => {
    const { jobTransport, persistence } = fixture();
    if (!jobTransport.claimJob) return expect(jobTransport.claimJob).toBeUndefined();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const due = build.job(runId);
    const later = build.job(runId, { availableAt: at(60 * SECOND) });
    await jobTransport.enqueue([due, later]);
    const options = { workerId: "w1", leaseMs: LEASE_MS, now: at(SECOND) };
    const [first, second] = await Promise.all([
      jobTransport.claimJob(due.jobId, options),
      jobTransport.claimJob(due.jobId, { ...options, workerId: "w2" }),
    ]);
    const claimed = [first, second].filter((job) => job !== null);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ jobId: due.jobId, attempt: 1, payload: due.payload });
    expect(await jobTransport.getJob(due.jobId)).toMatchObject({
      status: "RUNNING",
      attempt: 1,
      lockedUntil: at(SECOND + LEASE_MS),
    });
    expect(await jobTransport.claimJob(later.jobId, options)).toBeNull();
    expect(await jobTransport.claimJob(uniqueId("missing"), options)).toBeNull();
    expect(await jobTransport.complete(attemptOf(due.jobId), at(2 * SECOND))).toBe(true);
    expect(await jobTransport.claimJob(due.jobId, options)).toBeNull();
  });
}
