/** Job transport conformance: enqueue, dequeue order, leases on dequeue, concurrency, transactions. */
import { expect, it } from "vitest";
import type { DequeuedJob, JobRecord } from "../../records.js";
import { type JobTransportFixture, jobBuilder } from "./job-transport-fixture.js";
import { at, attemptOf, RollbackProbe, SECOND, sampleJson, uniqueId } from "./shared.js";

const LEASE_MS = 30 * SECOND;
const jobIds = (jobs: readonly DequeuedJob[]) => jobs.map((job) => job.jobId);

/** Registers the enqueue and dequeue tests. */
export function queueTests(fixture: () => JobTransportFixture): void {
  it("getJob round-trips every field of an enqueued job, including Dates", async () => {
    const { jobTransport, persistence, backdoor } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run(), {
      stageId: "parse",
      priority: 7,
      maxAttempts: 5,
      payload: sampleJson(),
      availableAt: at(1_234),
    });
    await jobTransport.enqueue([job]);
    const stored = await jobTransport.getJob(job.jobId);
    expect(stored).toEqual({
      ...job,
      status: "PENDING",
      attempt: 0,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    } satisfies Record<keyof JobRecord, unknown>);
    expect(stored?.availableAt).toBeInstanceOf(Date);
    if (backdoor) expect(await backdoor.readJob(job.jobId)).toEqual(stored);
  });

  it("getJob of an unknown id resolves null", async () => {
    const { jobTransport } = fixture();
    expect(await jobTransport.getJob(uniqueId("missing"))).toBeNull();
  });

  it("an enqueued job is dequeued with attempt 1 and a lease", async () => {
    const { jobTransport, persistence, backdoor } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run(), { payload: { n: 1, list: [true, null] } });
    await jobTransport.enqueue([job]);
    const now = at(10 * SECOND);
    const dequeued = await jobTransport.dequeue({
      workerId: "worker-1",
      limit: 10,
      leaseMs: LEASE_MS,
      now,
    });
    expect(dequeued.map(({ snapshot: _snapshot, ...rest }) => rest)).toEqual([
      {
        jobId: job.jobId,
        workflowRunId: job.workflowRunId,
        workflowId: job.workflowId,
        stageId: job.stageId,
        priority: job.priority,
        attempt: 1,
        maxAttempts: job.maxAttempts,
        payload: job.payload,
      },
    ]);
    const stored = await jobTransport.getJob(job.jobId);
    expect(stored).toMatchObject({
      status: "RUNNING",
      attempt: 1,
      lockedBy: "worker-1",
      lockedUntil: at(10 * SECOND + LEASE_MS),
    });
    expect(stored?.lockedUntil).toBeInstanceOf(Date);
    if (backdoor) expect(await backdoor.readJob(job.jobId)).toEqual(stored);
    expect(
      await jobTransport.dequeue({ workerId: "worker-2", limit: 10, leaseMs: LEASE_MS, now }),
    ).toEqual([]);
  });

  it("a dequeued job's snapshot, when the transport gives one, is its run and stage records as stored", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    await persistence.createStages([
      { id: uniqueId("stage"), runId, stageId: "fetch", groupIndex: 0, createdAt: at(1) },
      { id: uniqueId("stage"), runId, stageId: "parse", groupIndex: 1, createdAt: at(2) },
    ]);
    await jobTransport.enqueue([build.job(runId), build.job(runId, { stageId: "parse" })]);
    const dequeued = await jobTransport.dequeue({
      workerId: "worker-1",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(10 * SECOND),
    });
    expect(dequeued).toHaveLength(2);
    const expected = {
      run: await persistence.getRun(runId),
      stages: await persistence.listStages(runId),
    };
    for (const job of dequeued) {
      if (job.snapshot === undefined) continue;
      expect(job.snapshot).toEqual(expected);
      expect(job.snapshot.run.createdAt).toBeInstanceOf(Date);
    }
    // Each job's records are its own: changing one snapshot changes no other.
    const [first, second] = dequeued;
    if (first?.snapshot && second?.snapshot)
      expect(first.snapshot.stages).not.toBe(second.snapshot.stages);
  });

  it("a snapshot that omits records omits exactly the other members of the job's group, and says so", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    await persistence.createStages([
      { id: uniqueId("stage"), runId, stageId: "a", groupIndex: 0, createdAt: at(1) },
      { id: uniqueId("stage"), runId, stageId: "b", groupIndex: 0, createdAt: at(1) },
      { id: uniqueId("stage"), runId, stageId: "c", groupIndex: 0, createdAt: at(1) },
      { id: uniqueId("stage"), runId, stageId: "join", groupIndex: 1, createdAt: at(2) },
    ]);
    await jobTransport.enqueue([
      build.job(runId, { stageId: "a" }),
      build.job(runId, { stageId: "b" }),
    ]);
    const dequeued = await jobTransport.dequeue({
      workerId: "worker-1",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(10 * SECOND),
    });
    expect(dequeued).toHaveLength(2);
    const run = await persistence.getRun(runId);
    const stored = await persistence.listStages(runId);
    for (const job of dequeued) {
      if (job.snapshot === undefined) continue;
      const { omitsGroupMembers, ...snapshot } = job.snapshot;
      const kept = omitsGroupMembers
        ? stored.filter((stage) => stage.groupIndex !== 0 || stage.stageId === job.stageId)
        : stored;
      expect(snapshot).toEqual({ run, stages: kept });
    }
  });

  it("a job is not dequeued before availableAt", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run(), { availableAt: at(60 * SECOND) });
    await jobTransport.enqueue([job]);
    const dequeue = (now: Date) =>
      jobTransport.dequeue({ workerId: "w", limit: 10, leaseMs: LEASE_MS, now });
    expect(await dequeue(at(60 * SECOND - 1))).toEqual([]);
    expect(jobIds(await dequeue(at(60 * SECOND)))).toEqual([job.jobId]);
  });

  it("dequeue takes the highest priority first, then the oldest (FIFO)", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    // Enqueued one by one, oldest first, so "oldest" means the same by creation and availability.
    const low = build.job(runId, { priority: 0, availableAt: at(0) });
    const highOld = build.job(runId, { priority: 5, availableAt: at(1_000) });
    const middle = build.job(runId, { priority: 3, availableAt: at(2_000) });
    const highNew = build.job(runId, { priority: 5, availableAt: at(3_000) });
    const sameTime = [1, 2, 3].map(() => build.job(runId, { priority: 1, availableAt: at(4_000) }));
    for (const job of [low, highOld, middle, highNew, ...sameTime])
      await jobTransport.enqueue([job]);

    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      order.push(
        ...jobIds(
          await jobTransport.dequeue({
            workerId: "w",
            limit: 1,
            leaseMs: LEASE_MS,
            now: at(10 * SECOND),
          }),
        ),
      );
    }
    expect(order).toEqual([
      highOld.jobId,
      highNew.jobId,
      middle.jobId,
      ...sameTime.map((job) => job.jobId),
      low.jobId,
    ]);
  });

  it("among jobs of equal priority, the older run's job goes first, whenever it was enqueued (fair progress)", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const [runA, runB] = [await build.run(), await build.run()];
    // Run A started first; its next stage is enqueued after run B's first stage.
    const bFirst = build.job(runB, { availableAt: at(2_000), runCreatedAt: at(1_000) });
    const aNext = build.job(runA, { availableAt: at(3_000), runCreatedAt: at(0) });
    // A newer run of higher priority still goes before both.
    const urgent = build.job(await build.run(), {
      priority: 1,
      availableAt: at(4_000),
      runCreatedAt: at(4_000),
    });
    for (const job of [bFirst, aNext, urgent]) await jobTransport.enqueue([job]);
    const order: string[] = [];
    for (let i = 0; i < 3; i++)
      order.push(
        ...jobIds(
          await jobTransport.dequeue({
            workerId: "w",
            limit: 1,
            leaseMs: LEASE_MS,
            now: at(5_000),
          }),
        ),
      );
    expect(order).toEqual([urgent.jobId, aNext.jobId, bFirst.jobId]);
  });

  it("a job counts as no older than 60 s before its availability, so an old run cannot hold the head of the queue", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const [oldRun, newRun] = [await build.run(), await build.run()];
    // The old run was created at 0; its job is available at 200 s, so it counts as from 140 s.
    const late = build.job(oldRun, { availableAt: at(200 * SECOND), runCreatedAt: at(0) });
    // Within the horizon: available at 90 s, it counts as from its run's creation (0).
    const recent = build.job(oldRun, { availableAt: at(90 * SECOND), runCreatedAt: at(0) });
    const fresh = build.job(newRun, {
      availableAt: at(100 * SECOND),
      runCreatedAt: at(100 * SECOND),
    });
    for (const job of [late, recent, fresh]) await jobTransport.enqueue([job]);
    const dequeue = (now: Date) =>
      jobTransport.dequeue({ workerId: "w", limit: 1, leaseMs: LEASE_MS, now });
    // Not before its availability, whatever its place in the order.
    expect(jobIds(await dequeue(at(10 * SECOND)))).toEqual([]);
    expect(jobIds(await dequeue(at(300 * SECOND)))).toEqual([recent.jobId]);
    expect(jobIds(await dequeue(at(300 * SECOND)))).toEqual([fresh.jobId]);
    expect(jobIds(await dequeue(at(300 * SECOND)))).toEqual([late.jobId]);
  });

  it("dequeue takes at most limit jobs", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    await jobTransport.enqueue(Array.from({ length: 5 }, () => build.job(runId)));
    const dequeue = () =>
      jobTransport.dequeue({ workerId: "w", limit: 3, leaseMs: LEASE_MS, now: at(SECOND) });
    expect(await dequeue()).toHaveLength(3);
    expect(await dequeue()).toHaveLength(2);
    expect(await dequeue()).toHaveLength(0);
  });

  it("concurrent dequeuers receive every job exactly once", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runIds = [await build.run(), await build.run(), await build.run()];
    const jobs = Array.from({ length: 200 }, (_, i) =>
      build.job(runIds[i % 3] as string, { priority: i % 4 }),
    );
    for (let i = 0; i < jobs.length; i += 50) await jobTransport.enqueue(jobs.slice(i, i + 50));

    const received: string[] = [];
    for (let round = 0; round < 200; round++) {
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, worker) =>
          jobTransport.dequeue({
            workerId: `worker-${worker}`,
            limit: 5,
            leaseMs: LEASE_MS,
            now: at(SECOND),
          }),
        ),
      );
      const ids = batches.flatMap(jobIds);
      if (ids.length === 0) break;
      received.push(...ids);
    }
    expect(new Set(received).size).toBe(received.length);
    expect(received.sort()).toEqual(jobs.map((job) => job.jobId).sort());
  });

  it("a scope that is not one of the store's transactions is treated as no transaction", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run());
    await jobTransport.enqueue([job], { isTransactionScope: true });
    const dequeued = await jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(SECOND),
    });
    expect(jobIds(dequeued)).toEqual([job.jobId]);
  });
}

/** Registers the tests of a transport that joins transactions. */
export function transactionalQueueTests(
  fixture: () => JobTransportFixture,
  settle: () => Promise<void>,
): void {
  it("a job enqueued in a transaction that rolls back is never dequeued", async () => {
    const { jobTransport, persistence, backdoor } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const single = build.job(runId);
    const group = [build.job(runId), build.job(runId)];
    const probe = new RollbackProbe();
    const attempt = persistence.withTransaction(async (tx) => {
      await jobTransport.enqueue([single], tx);
      await jobTransport.enqueue(group, tx);
      throw probe;
    });
    await expect(attempt).rejects.toBe(probe);
    expect(
      await jobTransport.dequeue({ workerId: "w", limit: 10, leaseMs: LEASE_MS, now: at(SECOND) }),
    ).toEqual([]);
    expect(await jobTransport.getJob(single.jobId)).toBeNull();
    expect(await jobTransport.activeJobsForRun(runId)).toEqual([]);
    if (backdoor) expect(await backdoor.readJob(group[0]?.jobId ?? "")).toBeNull();
  });

  it("activeJobsForRun with a scope reads through that transaction: it sees the jobs enqueued in it", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const job = build.job(runId);
    const seen = await persistence.withTransaction(async (tx) => {
      await jobTransport.enqueue([job], tx);
      return (await jobTransport.activeJobsForRun(runId, tx)).map((j) => j.jobId);
    });
    expect(seen).toEqual([job.jobId]);
    expect((await jobTransport.activeJobsForRun(runId)).map((j) => j.jobId)).toEqual([job.jobId]);
  });

  it("a job enqueued in an open transaction is not dequeued before the transaction commits", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run());
    const dequeue = () =>
      jobTransport.dequeue({ workerId: "fast", limit: 10, leaseMs: LEASE_MS, now: at(SECOND) });
    let callbackDone = false;
    let answeredBeforeCommit: DequeuedJob[] | undefined;
    let racing: Promise<DequeuedJob[]> | undefined;
    await persistence.withTransaction(async (tx) => {
      await jobTransport.enqueue([job], tx);
      // A fast worker polls while the enqueueing transaction is still open: it must either
      // wait for the commit or not see the job.
      const poll = dequeue();
      racing = poll;
      poll.then(
        (jobs) => {
          if (!callbackDone) answeredBeforeCommit = jobs;
        },
        () => {},
      );
      await Promise.race([poll, settle()]);
      callbackDone = true;
    });
    if (answeredBeforeCommit !== undefined) expect(answeredBeforeCommit).toEqual([]);
    const raced = (await racing) ?? [];
    const afterCommit = raced.length > 0 ? raced : await dequeue();
    expect(jobIds(afterCommit)).toEqual([job.jobId]);
  });

  it("a job enqueued in a committed transaction is dequeued", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run());
    await persistence.withTransaction((tx) => jobTransport.enqueue([job], tx));
    const dequeued = await jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(SECOND),
    });
    expect(jobIds(dequeued)).toEqual([job.jobId]);
  });

  it("complete inside a rolled-back transaction leaves the job RUNNING", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const job = build.job(await build.run());
    await jobTransport.enqueue([job]);
    await jobTransport.dequeue({ workerId: "w", limit: 1, leaseMs: LEASE_MS, now: at(SECOND) });
    const probe = new RollbackProbe();
    const attempt = persistence.withTransaction(async (tx) => {
      expect(await jobTransport.complete(attemptOf(job.jobId), at(2 * SECOND), tx)).toBe(true);
      throw probe;
    });
    await expect(attempt).rejects.toBe(probe);
    expect((await jobTransport.getJob(job.jobId))?.status).toBe("RUNNING");
    expect(await jobTransport.complete(attemptOf(job.jobId), at(3 * SECOND))).toBe(true);
    expect((await jobTransport.getJob(job.jobId))?.status).toBe("COMPLETED");
  });
}
