/**
 * The Node host's maintenance tick is the kernel's duty list with the host's limits: what it
 * dispatches is exactly `DUTIES`' commands for those limits, the kernel's defaults filling in
 * the rest, and `replayDeadLettersPerTick` turns the dead-letter replay on.
 */
import {
  createKernel,
  createRegistry,
  DUTIES,
  type DutyOptions,
  type Kernel,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { createNodeHost, type NodeHostOptions } from "../src/index.js";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => {}, error: () => {} };

/** A kernel over the in-memory stack that records every command it dispatches. */
function recordingKernel() {
  const stack = createInMemoryStack();
  const inner = createKernel({
    ...stack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry: createRegistry([]),
  });
  const dispatched: Array<Parameters<Kernel["dispatch"]>[0]> = [];
  const kernel: Kernel = {
    options: inner.options,
    routes: inner.routes,
    dispatch: ((command: Parameters<Kernel["dispatch"]>[0]) => {
      dispatched.push(command);
      return inner.dispatch(command);
    }) as Kernel["dispatch"],
  };
  return { stack, kernel, dispatched };
}

/** The commands of the first tick of a host made with `limits`. */
async function firstTick(limits: Partial<NodeHostOptions>) {
  const { stack, kernel, dispatched } = recordingKernel();
  const host = createNodeHost({
    kernel,
    jobTransport: stack.jobTransport,
    workerId: "node-1",
    orchestrationIntervalMs: 60_000,
    jobPollIntervalMs: 60_000,
    logger: quiet,
    ...limits,
  });
  await host.start();
  while (host.getStats().orchestrationTicks < 1) await pause(5);
  await host.stop();
  return dispatched;
}

const expected = (options: DutyOptions) =>
  DUTIES.flatMap((duty) => {
    const command = duty.command(options);
    return command ? [command] : [];
  });

describe("node host: the maintenance tick", () => {
  it("dispatches the kernel's duties with the kernel's defaults, the replay off", async () => {
    const dispatched = await firstTick({});
    expect(dispatched).toEqual(expected({ workerId: "node-1" }));
    expect(dispatched.map((c) => c.type)).not.toContain("outbox.replayDeadLetters");
  });

  it("passes every duty limit through; replayDeadLettersPerTick turns the replay on", async () => {
    const limits = {
      maxClaimsPerTick: 2,
      maxSuspendedChecksPerTick: 3,
      staleLeaseThresholdMs: 4,
      maxStaleJobsPerTick: 5,
      stuckRunThresholdMs: 6,
      maxStuckRunsPerTick: 7,
      maxScheduledPerTick: 8,
      replayDeadLettersPerTick: 9,
      maxOutboxFlushPerTick: 10,
    } satisfies Partial<NodeHostOptions>;
    const dispatched = await firstTick(limits);
    expect(dispatched).toEqual(expected({ workerId: "node-1", ...limits }));
    expect(dispatched).toContainEqual({ type: "outbox.replayDeadLetters", maxEvents: 9 });
  });

  it("rejects an invalid duty limit with INVALID_HOST_OPTIONS naming it", () => {
    const { stack, kernel } = recordingKernel();
    for (const field of [
      "replayDeadLettersPerTick",
      "maxStaleJobsPerTick",
      "staleLeaseThresholdMs",
    ]) {
      expect(
        () => createNodeHost({ kernel, jobTransport: stack.jobTransport, [field]: -1 }),
        field,
      ).toThrow(expect.objectContaining({ code: "INVALID_HOST_OPTIONS", field }));
    }
  });
});
