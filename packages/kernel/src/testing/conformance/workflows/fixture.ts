/**
 * The fixture of `workflowConformance`: a store's ports, and a way to "restart" (drop every
 * in-process object and open the same store again), plus the helpers its tests share.
 */
import { z } from "zod";
import { defineStage } from "../../../dsl/stage.js";
import type { AnyWorkflow } from "../../../dsl/workflow.js";
import type { KernelOptions } from "../../../options.js";
import type { BlobStore } from "../../../ports/blob-store.js";
import type { JobTransport } from "../../../ports/job-transport.js";
import type { Persistence } from "../../../ports/persistence/index.js";
import type { Scheduler } from "../../../ports/scheduler.js";
import { FakeClock } from "../../fake-clock.js";
import { createTestKernel, type TestKernel } from "../../test-kernel.js";
import type { ConformanceFixture, ConformanceOptions } from "../shared.js";
import { T0 } from "../shared.js";

/** The ports a kernel runs on. */
export interface WorkflowPorts {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
}

/** What `workflowConformance` runs workflows on: an empty store's ports. */
export interface WorkflowFixture extends ConformanceFixture {
  ports: WorkflowPorts;
  /**
   * Simulates a process restart: closes what the current ports hold open and returns new
   * ports over the same stored data (a new connection for a database). Tests then build a new
   * kernel, so nothing survives in memory but what the store kept.
   */
  restart(): Promise<WorkflowPorts>;
}

/** Options of `workflowConformance`. */
export type WorkflowConformanceOptions = ConformanceOptions<WorkflowFixture>;

/** Options of {@link kernelOn}. */
export interface KernelOnOptions {
  clock?: FakeClock;
  options?: Partial<KernelOptions>;
  random?: () => number;
  workerId?: string;
}

/** A test kernel over `ports` running `workflows`, on a fake clock starting at `T0`. */
export function kernelOn(
  ports: WorkflowPorts,
  workflows: readonly AnyWorkflow[],
  options: KernelOnOptions = {},
): TestKernel {
  return createTestKernel({
    workflows,
    ...ports,
    clock: options.clock ?? new FakeClock(T0),
    ...(options.options ? { options: options.options } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
}

/** Ticks `t`'s driver `count` times without moving the clock; returns the jobs executed. */
export async function ticks(t: TestKernel, count = 1): Promise<number> {
  let executed = 0;
  for (let i = 0; i < count; i++) executed += (await t.driver.tick()).executed.length;
  return executed;
}

/** The payloads of the run's published events of `type`, in order. */
export function payloadsOf(
  t: TestKernel,
  workflowRunId: string,
  type: string,
): Record<string, unknown>[] {
  return t.events
    .forRun(workflowRunId)
    .filter((e) => e.type === type)
    .map((e) => e.payload as Record<string, unknown>);
}

/**
 * A stage with any input and output that records when it ran (`[id, ms after T0]` in `runs`)
 * and returns `fn(input)` (its input, by default).
 */
export function task(
  id: string,
  clock: FakeClock,
  runs: Array<[string, number]>,
  fn: (input: never) => unknown = (input) => input,
) {
  return defineStage({
    id,
    name: id,
    schemas: { input: z.any(), output: z.any() },
    execute: (ctx) => {
      runs.push([id, clock.now().getTime() - T0]);
      return fn(ctx.input as never);
    },
  });
}

/** Creates a run of `workflowId` with `input`; returns its id. */
export async function start(t: TestKernel, workflowId: string, input: unknown): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return workflowRunId;
}
