/**
 * Job transport conformance: routing. `dequeue` and `claimJob` given `routes` hand out only jobs
 * whose `route` is among them; the others stay `PENDING`, untouched, for a worker that has them.
 */
import { expect, it } from "vitest";
import { type JobTransportFixture, jobBuilder } from "./job-transport-fixture.js";
import { at, SECOND, uniqueId } from "./shared.js";

const LEASE_MS = 30 * SECOND;

/** Registers the routing tests. */
export function routingTests(fixture: () => JobTransportFixture): void {
  it("stores each job's route", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const route = `${uniqueId("wf")}@2#0123456789abcdef`;
    const job = build.job(await build.run(), { route });
    await jobTransport.enqueue([job]);
    expect((await jobTransport.getJob(job.jobId))?.route).toBe(route);
  });

  it("dequeue with routes takes only jobs of those routes, across several, in priority order", async () => {
    const { jobTransport, persistence } = fixture();
    const build = jobBuilder(persistence);
    const runId = await build.run();
    const [mine, also, foreign] = [uniqueId("r"), uniqueId("r"), uniqueId("r")];
    // The foreign jobs come first in dequeue order: a dequeue must look past them.
    const foreignJobs = Array.from({ length: 6 }, (_, i) =>
      build.job(runId, { route: foreign, priority: 9, availableAt: at(i) }),
    );
    const a = build.job(runId, { route: mine, priority: 1, availableAt: at(10) });
    const b = build.job(runId, { route: also, priority: 2, availableAt: at(20) });
    const c = build.job(runId, { route: mine, priority: 0, availableAt: at(5) });
    await jobTransport.enqueue([...foreignJobs, a, b, c]);
    const taken = await jobTransport.dequeue({
      workerId: "w",
      limit: 10,
      leaseMs: LEASE_MS,
      now: at(100),
      routes: [mine, also],
    });
    expect(taken.map((job) => job.jobId)).toEqual([b.jobId, a.jobId, c.jobId]);
    for (const job of foreignJobs) {
      expect(await jobTransport.getJob(job.jobId)).toMatchObject({
        status: "PENDING",
        attempt: 0,
        lockedBy: null,
      });
    }
    expect(
      await jobTransport.dequeue({
        workerId: "w",
        limit: 10,
        leaseMs: LEASE_MS,
        now: at(100),
        routes: [mine],
      }),
    ).toEqual([]);
  });

  it("claimJob (when offered) with routes refuses a job of another route and leaves it untouched", async () => {
    const { jobTransport, persistence } = fixture();
    if (!jobTransport.claimJob) return expect(jobTransport.claimJob).toBeUndefined();
    const build = jobBuilder(persistence);
    const route = uniqueId("route");
    const job = build.job(await build.run(), { route });
    await jobTransport.enqueue([job]);
    const options = { workerId: "w", leaseMs: LEASE_MS, now: at(10) };
    expect(await jobTransport.claimJob(job.jobId, { ...options, routes: [uniqueId("x")] })).toBe(
      null,
    );
    expect(await jobTransport.getJob(job.jobId)).toMatchObject({ status: "PENDING", attempt: 0 });
    expect(await jobTransport.claimJob(job.jobId, { ...options, routes: [route] })).toMatchObject({
      jobId: job.jobId,
      attempt: 1,
    });
  });
}
