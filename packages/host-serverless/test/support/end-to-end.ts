/**
 * The end-to-end suite every storage runs (in memory, SQLite, PostgreSQL): 200 runs of
 * split → (count ∥ shout) → join, driven only by a simulated push queue (one message per
 * enqueued job, some delivered twice) and cron ticks (`runMaintenanceTick` +
 * `processAvailableJobs`), across two hosts on two kernels ("containers") sharing the store.
 */
import {
  type BlobStore,
  createKernel,
  createRegistry,
  type JobTransport,
  type Persistence,
  type Scheduler,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerlessHost, type HandleJobOutcome } from "../../src/index.js";
import { SimulatedQueue } from "./simulated-queue.js";
import { Executions, PIPELINE_STAGES, pipelineWorkflow } from "./workflows.js";

/** The storage ports under test. */
export interface EndToEndPorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
}

/** Options of {@link serverlessEndToEnd}. */
export interface EndToEndOptions {
  name: string;
  /** Opens an empty store; `close` releases it. */
  open(): Promise<{ ports: EndToEndPorts; close(): Promise<void> }>;
  runs?: number;
}

/** Registers the suite. */
export function serverlessEndToEnd(options: EndToEndOptions): void {
  const runCount = options.runs ?? 200;

  describe(`serverless host end to end (${options.name})`, () => {
    let opened: Awaited<ReturnType<EndToEndOptions["open"]>> | undefined;
    beforeAll(async () => {
      opened = await options.open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    it(`completes ${runCount} runs from queue messages and cron ticks; duplicates change nothing`, async () => {
      const ports = opened?.ports;
      if (!ports) throw new Error("[ratchet] [serverless] [test] the store is not open");
      const queue = new SimulatedQueue({ duplicateEvery: 7 });
      const jobTransport = queue.wrap(ports.jobTransport);
      const executions = new Executions();
      const registry = createRegistry([pipelineWorkflow(executions)]);
      const hosts = ["container-a", "container-b"].map((workerId) =>
        createServerlessHost({
          kernel: createKernel({
            ...ports,
            jobTransport,
            eventSink: new CollectingEventSink(),
            clock: systemClock,
            registry,
          }),
          jobTransport,
          workerId,
          maxClaimsPerTick: 25,
        }),
      );
      const [a, b] = hosts as [(typeof hosts)[number], (typeof hosts)[number]];
      const runIds: string[] = [];
      for (let i = 0; i < runCount; i++) {
        const words = Array.from({ length: (i % 5) + 1 }, (_, w) => `w${i}-${w}`).join(" ");
        const { workflowRunId } = await hostKernelCreate(ports, registry, words);
        runIds.push(workflowRunId);
      }

      const byMessage: Record<HandleJobOutcome, number> = {
        completed: 0,
        suspended: 0,
        retrying: 0,
        failed: 0,
        cancelled: 0,
        skipped: 0,
      };
      let byCron = 0;
      let round = 0;
      const completed = async () =>
        (
          await ports.persistence.listRuns({
            status: "COMPLETED",
            workflowId: "pipeline",
            limit: 10_000,
          })
        ).length;
      for (; round < 5_000; round++) {
        if (round % 4 === 0 || queue.size === 0) {
          const cron = round % 8 === 0 ? a : b;
          await cron.runMaintenanceTick();
          byCron += (
            await cron.processAvailableJobs({ maxJobs: 4, concurrency: 2, timeBudgetMs: 5_000 })
          ).processed;
          if (queue.size === 0 && (await completed()) === runCount) break;
        }
        const batch = await queue.receive(10);
        // Every fourth message of a batch is delivered to both containers at once.
        const deliveries = batch.flatMap((m, i) => (i % 4 === 0 ? [m, m] : [m]));
        const results = await Promise.all(
          deliveries.map(async (message, i) => {
            const host = i % 2 === 0 ? a : b;
            return { message, result: await host.handleJob(JSON.parse(message.body)) };
          }),
        );
        for (const { message, result } of results) {
          byMessage[result.outcome]++;
          if (!result.ack) queue.retry(message);
        }
      }

      expect(await completed()).toBe(runCount);
      for (const id of runIds) {
        for (const stageId of PIPELINE_STAGES)
          expect(executions.of(id, stageId), `${id} ${stageId}`).toBe(1);
      }
      expect(executions.total()).toBe(runCount * PIPELINE_STAGES.length);
      // The queue did most of the work; duplicates were delivered and skipped.
      expect(byMessage.completed + byCron).toBe(runCount * PIPELINE_STAGES.length);
      expect(byMessage.completed).toBeGreaterThan(runCount * 2);
      expect(byMessage.skipped).toBeGreaterThan(0);
      expect(queue.duplicatesSent).toBeGreaterThan(0);
      expect(byMessage.failed + byMessage.retrying + byMessage.cancelled).toBe(0);
      for (const host of hosts) expect(host.getStats().errors).toBe(0);

      // Replay every message ever sent: all skipped, nothing changes.
      const before = await snapshot(ports, runIds);
      const replay = await Promise.all(
        queue.log.map((m, i) => (i % 2 === 0 ? a : b).handleJob(JSON.parse(m.body))),
      );
      expect(new Set(replay.map((r) => `${r.outcome}/${r.ack}`))).toEqual(
        new Set(["skipped/true"]),
      );
      expect(await snapshot(ports, runIds)).toEqual(before);
      expect(executions.total()).toBe(runCount * PIPELINE_STAGES.length);
    });
  });
}

/** Creates one run (on a kernel without a queue: creating enqueues nothing). */
async function hostKernelCreate(
  ports: EndToEndPorts,
  registry: ReturnType<typeof createRegistry>,
  text: string,
) {
  const kernel = createKernel({
    ...ports,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry,
  });
  return kernel.dispatch({ type: "run.create", workflowId: "pipeline", input: { text } });
}

/** What duplicate deliveries must not change: runs, stages and jobs. */
async function snapshot(ports: EndToEndPorts, runIds: readonly string[]) {
  const out: unknown[] = [];
  for (const id of runIds) {
    const run = await ports.persistence.getRun(id);
    const stages = await ports.persistence.listStages(id);
    out.push({
      run: {
        status: run?.status,
        version: run?.version,
        updatedAt: run?.updatedAt,
        output: run?.output,
      },
      stages: stages.map((s) => ({
        id: s.stageId,
        status: s.status,
        attempt: s.attempt,
        updatedAt: s.updatedAt,
      })),
      active: (await ports.jobTransport.activeJobsForRun(id)).length,
    });
  }
  return out;
}
