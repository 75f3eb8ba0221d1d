/**
 * `stageCommitterConformance`: the shared test suite of stage committers — a store's own
 * (`Persistence.stageCommitter`) or the kernel's transactional fallback. It checks what a
 * completion writes (see `ports/stage-committer.ts`) through the ports and, when given, raw
 * backdoor readers.
 */
import { describe, expect, it } from "vitest";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence } from "../../ports/persistence/index.js";
import type {
  GroupClose,
  PendingEvent,
  StageCommitter,
  StageCompletion,
} from "../../ports/stage-committer.js";
import type { NewJob, NewStage, StageStatus } from "../../records.js";
import type { JobTransportBackdoor } from "./job-transport-fixture.js";
import type { PersistenceBackdoor } from "./persistence-fixture.js";
import {
  at,
  type ConformanceFixture,
  type ConformanceOptions,
  uniqueId,
  useFixture,
} from "./shared.js";

/** What `stageCommitterConformance` tests: a committer over an empty store. */
export interface StageCommitterFixture extends ConformanceFixture {
  committer: StageCommitter;
  persistence: Persistence;
  jobTransport: JobTransport;
  backdoor?: PersistenceBackdoor & JobTransportBackdoor;
}

/** Options of `stageCommitterConformance`. */
export type StageCommitterConformanceOptions = ConformanceOptions<StageCommitterFixture>;

const WORKFLOW = "wf-commit";
const LEASE = { workerId: "w-conformance", leaseMs: 60_000 };

/** A run `RUNNING` at `groupIndex` with one stage record (and a dequeued job) per stage id. */
async function runningRun(
  f: StageCommitterFixture,
  stageIds: readonly string[],
  options: { groupIndex?: number; eventSeq?: number } = {},
) {
  const groupIndex = options.groupIndex ?? 0;
  const run = await f.persistence.createRun({
    id: uniqueId("run"),
    workflowId: WORKFLOW,
    priority: 3,
    input: { n: 1 },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: options.eventSeq ?? 2,
    createdAt: at(0),
  });
  const started = await f.persistence.updateRun(
    run.id,
    { status: "RUNNING", currentGroup: groupIndex, groupRemaining: stageIds.length },
    { now: at(1) },
  );
  const stages: NewStage[] = stageIds.map((stageId) => ({
    id: uniqueId("stage"),
    runId: run.id,
    stageId,
    groupIndex,
    createdAt: at(1),
  }));
  await f.persistence.createStages(stages);
  const jobs: NewJob[] = stageIds.map((stageId) => ({
    jobId: uniqueId("job"),
    workflowRunId: run.id,
    workflowId: WORKFLOW,
    stageId,
    priority: 3,
    maxAttempts: 3,
    payload: { groupIndex },
    availableAt: at(1),
  }));
  await f.jobTransport.enqueue(jobs);
  const dequeued = await f.jobTransport.dequeue({ ...LEASE, limit: 100, now: at(2) });
  const jobOf = (stageId: string) => {
    const job = dequeued.find((j) => j.workflowRunId === run.id && j.stageId === stageId);
    if (!job) throw new Error(`[ratchet] [conformance] job of ${stageId} was not dequeued`);
    return { jobId: job.jobId, attempt: job.attempt };
  };
  return { run: started ?? run, stages, jobOf };
}

function event(type: string, ms: number): PendingEvent {
  return {
    id: uniqueId("event"),
    type,
    payload: { workflowId: WORKFLOW, note: type },
    occurredAt: at(ms),
  };
}

/** The close of a group followed by `nextStageIds`, the first job leased to the worker. */
function closeToNext(
  runId: string,
  nextGroup: number,
  nextStageIds: readonly string[],
): GroupClose {
  return {
    events: [],
    run: { currentGroup: nextGroup },
    nextGroup: {
      stages: nextStageIds.map((stageId) => ({
        id: uniqueId("stage"),
        runId,
        stageId,
        groupIndex: nextGroup,
        createdAt: at(10),
      })),
      jobs: nextStageIds.map((stageId, i) => ({
        jobId: uniqueId("job"),
        workflowRunId: runId,
        workflowId: WORKFLOW,
        stageId,
        priority: 3,
        maxAttempts: 2,
        payload: { groupIndex: nextGroup },
        availableAt: at(10),
        ...(i === 0 ? { claimedBy: { workerId: LEASE.workerId, leaseUntil: at(70_000) } } : {}),
      })),
    },
  };
}

function completion(stage: NewStage, overrides: Partial<StageCompletion> = {}): StageCompletion {
  return {
    runId: stage.runId,
    groupIndex: stage.groupIndex,
    stageRecordId: stage.id,
    stageId: stage.stageId,
    fromStatuses: ["PENDING", "RUNNING"] satisfies StageStatus[],
    attempt: 1,
    output: { value: `${stage.stageId} done`, nested: [1, { deep: true }] },
    outputRef: { kind: "inline" },
    startedAt: at(5),
    logs: [],
    events: [event("workflow.step.started", 10), event("workflow.step.completed", 10)],
    close: null,
    now: at(10),
    ...overrides,
  };
}

/** Registers the stage committer suite. */
export function stageCommitterConformance(options: StageCommitterConformanceOptions): void {
  describe(`${options.name}: stage committer conformance`, () => {
    const fixture = useFixture(options);

    it("runUpdate merges metadata key by key and replaces control, also for concurrent completions", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["left", "right", "quiet"]);
      await f.persistence.updateRun(
        run.id,
        { metadata: { keep: true, shared: "before" }, control: { stale: 1 } },
        { now: at(2) },
      );
      const [left, right, quiet] = stages as [NewStage, NewStage, NewStage];
      const results = await Promise.all([
        f.committer.commit(
          completion(left, {
            job: jobOf("left"),
            runUpdate: { metadata: { left: { at: "2026-01-01", n: [1, 2] }, shared: "left" } },
          }),
        ),
        f.committer.commit(
          completion(right, {
            job: jobOf("right"),
            runUpdate: { metadata: { right: 2 }, control: { from: 0, loops: { l: { n: 1 } } } },
          }),
        ),
      ]);
      expect(results.map((r) => r.kind)).toEqual(["committed", "committed"]);
      await f.committer.commit(completion(quiet, { job: jobOf("quiet") }));
      const stored = await f.persistence.getRun(run.id);
      expect(stored?.metadata).toEqual({
        keep: true,
        shared: "left",
        left: { at: "2026-01-01", n: [1, 2] },
        right: 2,
      });
      expect(stored?.control).toEqual({ from: 0, loops: { l: { n: 1 } } });
      if (f.backdoor) {
        expect((await f.backdoor.readRun(run.id))?.metadata).toEqual(stored?.metadata);
      }
    });

    it("a stale completion applies no runUpdate", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["only"], { groupIndex: 1 });
      const stage = stages[0] as NewStage;
      const result = await f.committer.commit(
        completion(stage, {
          groupIndex: 0,
          job: jobOf("only"),
          runUpdate: { metadata: { leaked: true }, control: { from: 9 } },
        }),
      );
      expect(result.kind).toBe("stale");
      const stored = await f.persistence.getRun(run.id);
      expect(stored?.metadata).toEqual({});
      expect(stored?.control).toEqual({});
    });

    it("a completion that closes a single-stage group writes the stage, job, events, and starts the next group", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["fetch"], { eventSeq: 4 });
      const stage = stages[0] as NewStage;
      const close = closeToNext(run.id, 1, ["parse", "index"]);
      const job = jobOf("fetch");
      const result = await f.committer.commit(
        completion(stage, {
          job,
          close,
          progress: { progress: 100, message: "done" },
          logs: [
            {
              id: uniqueId("log"),
              runId: run.id,
              stageId: "fetch",
              level: "info",
              message: "fetched",
              data: { bytes: 3 },
              createdAt: at(8),
            },
          ],
        }),
      );
      expect(result).toEqual({
        kind: "committed",
        closed: true,
        run: {
          status: "RUNNING",
          version: run.version + 1,
          eventSeq: 6,
          currentGroup: 1,
          groupRemaining: 2,
          updatedAt: at(10),
        },
      });
      const stored = await f.persistence.getStage(run.id, "fetch");
      expect(stored).toMatchObject({
        status: "COMPLETED",
        attempt: 1,
        outputRef: { kind: "inline" },
        error: null,
        startedAt: at(5),
        completedAt: at(10),
        progress: { progress: 100, message: "done" },
      });
      const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "fetch" }]);
      expect(outputs.get(`${run.id}:fetch`)).toEqual({
        value: "fetch done",
        nested: [1, { deep: true }],
      });
      expect((await f.jobTransport.getJob(job.jobId))?.status).toBe("COMPLETED");
      const events = await f.persistence.listOutboxEvents(run.id);
      expect(events.map((e) => [e.sequence, e.type])).toEqual([
        [5, "workflow.step.started"],
        [6, "workflow.step.completed"],
      ]);
      expect((await f.persistence.listLogs(run.id)).map((l) => l.message)).toEqual(["fetched"]);
      const next = (await f.persistence.listStages(run.id)).filter((s) => s.groupIndex === 1);
      expect(next.map((s) => [s.stageId, s.status]).sort()).toEqual([
        ["index", "PENDING"],
        ["parse", "PENDING"],
      ]);
      const [leased, queued] = close.nextGroup?.jobs ?? [];
      expect(await f.jobTransport.getJob(leased?.jobId ?? "")).toMatchObject({
        status: "RUNNING",
        attempt: 1,
        lockedBy: LEASE.workerId,
        lockedUntil: at(70_000),
      });
      expect(await f.jobTransport.getJob(queued?.jobId ?? "")).toMatchObject({
        status: "PENDING",
        attempt: 0,
        lockedBy: null,
      });
      if (f.backdoor) {
        expect(await f.backdoor.readRun(run.id)).toMatchObject({
          currentGroup: 1,
          groupRemaining: 2,
          eventSeq: 6,
          version: run.version + 1,
        });
        expect((await f.backdoor.readStage(run.id, "fetch"))?.output).toEqual({
          value: "fetch done",
          nested: [1, { deep: true }],
        });
        expect((await f.backdoor.readJob(job.jobId))?.status).toBe("COMPLETED");
      }
    });

    it("the last group's close completes the run with its output and events", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["publish"], { groupIndex: 2 });
      const result = await f.committer.commit(
        completion(stages[0] as NewStage, {
          job: jobOf("publish"),
          close: {
            events: [event("workflow.completed", 10)],
            run: {
              status: "COMPLETED",
              output: { url: "/x" },
              completedAt: at(10),
              currentGroup: 2,
            },
          },
        }),
      );
      expect(result).toMatchObject({
        kind: "committed",
        closed: true,
        run: { status: "COMPLETED", currentGroup: 2, groupRemaining: 0, eventSeq: 5 },
      });
      expect(await f.persistence.getRun(run.id)).toMatchObject({
        status: "COMPLETED",
        output: { url: "/x" },
        completedAt: at(10),
      });
      expect(
        (await f.persistence.listOutboxEvents(run.id)).map((e) => [e.sequence, e.type]),
      ).toEqual([
        [3, "workflow.step.started"],
        [4, "workflow.step.completed"],
        [5, "workflow.completed"],
      ]);
    });

    it("concurrent completions of a parallel group: exactly one closes it, events stay gapless", async () => {
      const f = fixture();
      const ids = ["p0", "p1", "p2", "p3", "p4", "p5"];
      const { run, stages, jobOf } = await runningRun(f, ids, { groupIndex: 1, eventSeq: 0 });
      const results = await Promise.all(
        stages.map((stage) =>
          f.committer.commit(
            completion(stage, {
              job: jobOf(stage.stageId),
              close: closeToNext(run.id, 2, ["join"]),
            }),
          ),
        ),
      );
      const closing = results.filter((r) => r.kind === "committed" && r.closed);
      expect(results.every((r) => r.kind === "committed")).toBe(true);
      expect(closing).toHaveLength(1);
      const after = await f.persistence.getRun(run.id);
      expect(after).toMatchObject({ currentGroup: 2, groupRemaining: 1, eventSeq: 12 });
      const sequences = (await f.persistence.listOutboxEvents(run.id)).map((e) => e.sequence);
      expect(sequences).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const joins = (await f.persistence.listStages(run.id)).filter((s) => s.stageId === "join");
      expect(joins).toHaveLength(1);
      expect((await f.jobTransport.activeJobsForRun(run.id)).map((j) => j.stageId)).toEqual([
        "join",
      ]);
    });

    it("a completion that leaves stages of its group to go closes nothing and counts down", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["left", "right"], { eventSeq: 1 });
      const result = await f.committer.commit(
        completion(stages[0] as NewStage, {
          job: jobOf("left"),
          close: closeToNext(run.id, 1, ["merge"]),
        }),
      );
      expect(result).toMatchObject({
        kind: "committed",
        closed: false,
        run: { currentGroup: 0, groupRemaining: 1, eventSeq: 3 },
      });
      expect((await f.persistence.listStages(run.id)).map((s) => s.stageId).sort()).toEqual([
        "left",
        "right",
      ]);
    });

    it("a group closed without a prepared close reports closed and writes no next step", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["only"], { groupIndex: 3 });
      const result = await f.committer.commit(
        completion(stages[0] as NewStage, { job: jobOf("only"), close: null }),
      );
      expect(result).toMatchObject({
        kind: "committed",
        closed: true,
        run: { status: "RUNNING", currentGroup: 3, groupRemaining: 0 },
      });
      expect((await f.persistence.getRun(run.id))?.output).toBeNull();
    });

    it("a second delivery of a settled stage is a duplicate: only its job is settled", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["a", "b"]);
      const stage = stages[0] as NewStage;
      await f.committer.commit(completion(stage, { job: jobOf("a") }));
      const before = await f.persistence.getRun(run.id);
      // A second attempt of the same stage, on a job that is running again.
      await f.jobTransport.enqueue([
        {
          jobId: uniqueId("job"),
          workflowRunId: run.id,
          workflowId: WORKFLOW,
          stageId: "a",
          priority: 3,
          maxAttempts: 3,
          payload: {},
          availableAt: at(1),
        },
      ]);
      const [again] = await f.jobTransport.dequeue({ ...LEASE, limit: 1, now: at(20) });
      const ref = { jobId: again?.jobId ?? "", attempt: again?.attempt ?? 0 };
      const result = await f.committer.commit(
        completion(stage, { job: ref, attempt: 2, output: { value: "second" } }),
      );
      expect(result).toEqual({ kind: "duplicate" });
      expect(await f.persistence.getRun(run.id)).toEqual(before);
      expect((await f.jobTransport.getJob(ref.jobId))?.status).toBe("COMPLETED");
      const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "a" }]);
      expect(outputs.get(`${run.id}:a`)).toEqual({ value: "a done", nested: [1, { deep: true }] });
    });

    it("a completion for a run that ended is stale: only its job is settled", async () => {
      const f = fixture();
      const { run, stages, jobOf } = await runningRun(f, ["slow"]);
      await f.persistence.updateRun(run.id, { status: "CANCELLED" }, { now: at(3) });
      const job = jobOf("slow");
      const result = await f.committer.commit(completion(stages[0] as NewStage, { job }));
      expect(result).toEqual({ kind: "stale", status: "CANCELLED" });
      expect((await f.persistence.getStage(run.id, "slow"))?.status).toBe("PENDING");
      expect((await f.jobTransport.getJob(job.jobId))?.status).toBe("COMPLETED");
      expect(await f.persistence.listOutboxEvents(run.id)).toEqual([]);
    });

    it("a completion for a group the run has left is stale", async () => {
      const f = fixture();
      const { run, stages } = await runningRun(f, ["old"], { groupIndex: 0 });
      await f.persistence.updateRun(run.id, { currentGroup: 1 }, { now: at(3) });
      const result = await f.committer.commit(completion(stages[0] as NewStage));
      expect(result).toEqual({ kind: "stale", status: "RUNNING" });
      expect((await f.persistence.getStage(run.id, "old"))?.status).toBe("PENDING");
    });

    it("keeps a start time the record already has and stores a blob reference without inline output", async () => {
      const f = fixture();
      const { run, stages } = await runningRun(f, ["big", "other"]);
      const stage = stages[0] as NewStage;
      await f.persistence.updateStage(
        stage.id,
        { status: "RUNNING", startedAt: at(3) },
        { now: at(3) },
      );
      const ref = { kind: "blob" as const, key: `runs/${run.id}/outputs/big.json` };
      const result = await f.committer.commit(
        completion(stage, { output: null, outputRef: ref, startedAt: at(6) }),
      );
      expect(result.kind).toBe("committed");
      expect(await f.persistence.getStage(run.id, "big")).toMatchObject({
        status: "COMPLETED",
        outputRef: ref,
        startedAt: at(3),
      });
      const outputs = await f.persistence.getStageOutputs([{ runId: run.id, stageId: "big" }]);
      expect(outputs.has(`${run.id}:big`)).toBe(false);
    });
  });
}
