/**
 * `runMaintenanceTick` runs the kernel's duty list (`DUTIES`), not a list of its own: the
 * commands it dispatches are exactly the duties' commands, in the kernel's order, a failing
 * duty is reported without stopping the rest, and `replayDeadLettersPerTick` turns the
 * dead-letter replay on.
 */
import {
  DUTIES,
  type DutyName,
  defineStage,
  defineWorkflow,
  type Kernel,
  RatchetError,
} from "@ratchet/kernel";
import { createTestKernel } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type MaintenanceOptions, runMaintenanceTick } from "../src/index.js";

type Command = Parameters<Kernel["dispatch"]>[0];

/** What each duty's command returns in the stub: one of everything, so each count is 1. */
const CANNED: Record<string, unknown> = {
  "schedules.fireDue": { fired: 1 },
  "run.claimPending": { claimed: [{ workflowRunId: "r" }] },
  "stage.pollSuspended": { checked: 1, resumed: 1 },
  "lease.reapStale": { released: 1, failed: 1 },
  "run.reapStuck": { repaired: [{ workflowRunId: "r" }] },
  "schedule.fireDue": { fired: 1 },
  "outbox.replayDeadLetters": { replayed: 1 },
  "outbox.flush": { published: 1, failed: 1, deadLettered: 1 },
  "runs.purge": { purged: 1, runIds: ["old"], more: false },
};

/** A kernel that records what it is asked to dispatch, and throws for the types in `failing`. */
function recordingKernel(failing: ReadonlyMap<string, unknown> = new Map()) {
  const dispatched: Command[] = [];
  const kernel = {
    options: {},
    dispatch: (async (command: Command) => {
      dispatched.push(command);
      if (failing.has(command.type)) throw failing.get(command.type);
      return CANNED[command.type];
    }) as Kernel["dispatch"],
  } as Kernel;
  return { kernel, dispatched };
}

/** The commands the kernel's duty list makes of `options`, in its order. */
function dutyCommands(options: MaintenanceOptions) {
  return DUTIES.flatMap((duty) => {
    const command = duty.command(options);
    return command ? [command] : [];
  });
}

describe("runMaintenanceTick runs the kernel's duty list", () => {
  const cases: Array<[string, MaintenanceOptions]> = [
    ["defaults", { workerId: "w" }],
    [
      "every limit set",
      {
        workerId: "w",
        maxCronSchedulesPerTick: 2,
        maxClaimsPerTick: 3,
        maxSuspendedChecksPerTick: 4,
        staleLeaseThresholdMs: 5,
        maxStaleJobsPerTick: 6,
        stuckRunThresholdMs: 7,
        maxStuckRunsPerTick: 8,
        maxScheduledPerTick: 9,
        replayDeadLettersPerTick: 10,
        maxOutboxFlushPerTick: 11,
      },
    ],
  ];
  for (const [name, options] of cases) {
    it(`dispatches exactly DUTIES' commands, in order (${name})`, async () => {
      const { kernel, dispatched } = recordingKernel();
      await runMaintenanceTick(kernel, options);
      expect(dispatched.map((c) => c.type)).toEqual(
        DUTIES.map((d) => d.command(options)?.type).filter((type) => type !== undefined),
      );
      expect(dispatched).toEqual(dutyCommands(options));
    });
  }

  it("leaves the dead-letter replay off by default; replayDeadLettersPerTick turns it on", async () => {
    const off = recordingKernel();
    const quiet = await runMaintenanceTick(off.kernel, { workerId: "w" });
    expect(off.dispatched.map((c) => c.type)).not.toContain("outbox.replayDeadLetters");
    expect(quiet).not.toHaveProperty("deadLettersReplayed");

    const on = recordingKernel();
    const replaying = await runMaintenanceTick(on.kernel, {
      workerId: "w",
      replayDeadLettersPerTick: 25,
    });
    const types = on.dispatched.map((c) => c.type);
    // Before the flush, so the replayed events go out in the same tick (the purge comes last).
    expect(types.slice(-3)).toEqual(["outbox.replayDeadLetters", "outbox.flush", "runs.purge"]);
    expect(on.dispatched).toContainEqual({ type: "outbox.replayDeadLetters", maxEvents: 25 });
    expect(replaying.deadLettersReplayed).toBe(1);
  });

  it("sums the round up: one of everything counts one each (dead letters as failed events)", async () => {
    const { kernel } = recordingKernel();
    expect(
      await runMaintenanceTick(kernel, { workerId: "w", replayDeadLettersPerTick: 1 }),
    ).toEqual({
      schedulesFired: 1,
      claimed: 1,
      suspendedChecked: 1,
      resumed: 1,
      staleReleased: 1,
      staleFailed: 1,
      stuckRepaired: 1,
      scheduledFired: 1,
      eventsFlushed: 1,
      eventsFailed: 2,
      deadLettersReplayed: 1,
      runsPurged: 1,
      failures: [],
    });
  });
});

describe("runMaintenanceTick with a failing duty", () => {
  const options: MaintenanceOptions = { workerId: "w", replayDeadLettersPerTick: 5 };
  const duties = DUTIES.map((duty) => [duty.name, duty.command(options)?.type] as const);

  for (const [name, type] of duties) {
    it(`reports ${name} and still runs every other duty`, async () => {
      const { kernel, dispatched } = recordingKernel(
        new Map([[type as string, new RatchetError("BOOM", `${name} broke`)]]),
      );
      const result = await runMaintenanceTick(kernel, options);
      expect(result.failures).toEqual([{ duty: name, code: "BOOM", message: `${name} broke` }]);
      expect(dispatched).toEqual(dutyCommands(options));
    });
  }

  it("reports an error without a code as DUTY_FAILED, and a failed duty counts nothing", async () => {
    const { kernel } = recordingKernel(
      new Map<string, unknown>([
        ["lease.reapStale", new Error("no code")],
        ["outbox.flush", "a string"],
      ]),
    );
    const result = await runMaintenanceTick(kernel, { workerId: "w" });
    expect(result.failures).toEqual([
      { duty: "reapStale" satisfies DutyName, code: "DUTY_FAILED", message: "no code" },
      { duty: "outbox" satisfies DutyName, code: "DUTY_FAILED", message: "a string" },
    ]);
    expect(result).toMatchObject({ staleReleased: 0, staleFailed: 0, eventsFlushed: 0 });
    expect(result.claimed).toBe(1);
  });
});

describe("runMaintenanceTick against a kernel", () => {
  it("replays dead-lettered events only with replayDeadLettersPerTick, and publishes them", async () => {
    const stage = defineStage({
      id: "noop",
      name: "Noop",
      schemas: { input: z.object({}), output: z.object({}) },
      execute: () => ({}),
    });
    const workflow = defineWorkflow({
      id: "noop",
      name: "Noop",
      input: z.object({}),
      output: z.object({}),
    })
      .pipe(stage)
      .build();
    const t = createTestKernel({ workflows: [workflow], options: { outboxMaxRetries: 1 } });
    await t.kernel.dispatch({ type: "run.create", workflowId: "noop", input: {} });
    t.events.failWhen(() => true);
    const broken = await runMaintenanceTick(t.kernel, { workerId: "w" });
    expect(broken.eventsFailed).toBe(1); // workflow.created, dead-lettered at its first failure
    t.events.failWhen(null);
    t.clock.advance(60_000);

    const off = await runMaintenanceTick(t.kernel, { workerId: "w" });
    expect(off).not.toHaveProperty("deadLettersReplayed");
    expect(t.events.byType("workflow.created")).toEqual([]);

    const on = await runMaintenanceTick(t.kernel, { workerId: "w", replayDeadLettersPerTick: 10 });
    expect(on).toMatchObject({ deadLettersReplayed: 1, eventsFlushed: 1, eventsFailed: 0 });
    expect(t.events.byType("workflow.created")).toHaveLength(1);
  });
});

describe("runMaintenanceTick and cron schedules", () => {
  it("starts a due schedule's run and claims it in the same tick; reports the next fire time", async () => {
    const workflow = defineWorkflow({
      id: "nightly",
      name: "Nightly",
      input: z.object({}),
      output: z.object({}),
    })
      .pipe(
        defineStage({
          id: "noop",
          name: "Noop",
          schemas: { input: z.object({}), output: z.object({}) },
          execute: () => ({}),
        }),
      )
      .build();
    const t = createTestKernel({ workflows: [workflow] });
    t.clock.set(new Date("2026-01-01T00:00:00.000Z"));
    await t.kernel.dispatch({
      type: "schedules.create",
      scheduleId: "every-minute",
      workflowId: "nightly",
      cron: "* * * * *",
      input: {},
    });
    const idle = await runMaintenanceTick(t.kernel, { workerId: "w" });
    expect(idle).toMatchObject({ schedulesFired: 0, claimed: 0 });
    expect(idle.nextDueAt).toEqual(new Date("2026-01-01T00:01:00.000Z"));
    t.clock.advance(60_000);
    const due = await runMaintenanceTick(t.kernel, { workerId: "w" });
    expect(due).toMatchObject({ schedulesFired: 1, claimed: 1 });
    expect(due.nextDueAt).toEqual(new Date("2026-01-01T00:02:00.000Z"));
  });
});
