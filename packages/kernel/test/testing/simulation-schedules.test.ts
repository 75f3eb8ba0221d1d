/**
 * Cron schedules in the deterministic simulation: schedules ticked by every worker's duties
 * under the faults (crashes in and after commits, database errors, clock jumps and skew,
 * overlapping ticks) never start two runs for one slot, and the runs they start end like every
 * other run. And the `schedule-slot-twice` invariant has teeth.
 */
import { describe, expect, it } from "vitest";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import {
  SimulationFailure,
  type SimulationOptions,
  type SimulationPorts,
  simulate,
} from "../../src/testing/index.js";
import { override } from "../helpers.js";

const FILE = "test/testing/simulation-schedules.test.ts";
const seeds = Number(process.env.RATCHET_SIM_SEEDS ?? 60);

function optionsFor(seed: number): SimulationOptions {
  return {
    seed,
    workers: 2 + (seed % 3),
    runs: 2,
    steps: 80,
    schedules: [
      {
        workflowId: "sim-sequence",
        cron: "*/20 * * * * *",
        input: { n: 1 },
        overlap: "allow",
        catchUp: "all",
      },
      {
        workflowId: "sim-retry",
        cron: "*/45 * * * * *",
        input: { n: 2 },
        overlap: "buffer_one",
        catchUp: "latest",
      },
      { workflowId: "sim-sleep", cron: "* * * * *", input: { n: 3 }, overlap: "skip" },
    ],
    reproduce: (s) => `RATCHET_SIM_SEED=${s} npx vitest run ${FILE}`,
  };
}

describe("cron schedules in the deterministic simulation", () => {
  it(`fires no slot twice, under faults, on several workers (${seeds} seeds)`, async () => {
    let scheduled = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const result = await simulate(optionsFor(seed));
      // The schedules' runs are among the runs driven to their end.
      scheduled += result.runs.total - 2;
      expect(result.runs.completed + result.runs.failed + result.runs.cancelled).toBe(
        result.runs.total,
      );
    }
    console.log(`[simulation] ${scheduled} scheduled runs over ${seeds} seeds`);
    expect(scheduled).toBeGreaterThan(seeds);
  }, 300_000);

  it("catches a store whose schedule updates are lost and whose idempotency keys are ignored", async () => {
    // Every tick sees the schedule where it was, and nothing stops a slot's second run.
    const forgetful = (ports: SimulationPorts): SimulationPorts => {
      const wrap = (tx: PersistenceTransaction): PersistenceTransaction =>
        override(tx, {
          updateSchedule: async (id) => tx.getSchedule(id),
          acquireIdempotencyKey: async () => ({ status: "acquired" as const }),
        });
      return {
        ...ports,
        persistence: new Proxy(ports.persistence, {
          get(target, property, receiver) {
            if (property === "withTransaction") {
              return <T>(fn: (tx: PersistenceTransaction) => Promise<T>) =>
                target.withTransaction((tx) => fn(wrap(tx)));
            }
            return Reflect.get(target, property, receiver);
          },
        }),
      };
    };
    const failure = await simulate({ ...optionsFor(1), wrapPorts: forgetful }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SimulationFailure);
    expect((failure as SimulationFailure).invariant).toBe("schedule-slot-twice");
  });
});
