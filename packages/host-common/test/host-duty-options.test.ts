import { DUTIES } from "@ratchet/kernel";
import { describe, expect, it } from "vitest";
import {
  findDutyOptionProblem,
  HOST_DUTY_OPTION_FIELDS,
  type HostDutyOptions,
  maintenanceOptions,
} from "../src/index.js";

describe("maintenanceOptions", () => {
  it("keeps the workerId and the limits that are set, and nothing else", () => {
    const hostOptions = {
      maxClaimsPerTick: 3,
      stuckRunThresholdMs: undefined,
      replayDeadLettersPerTick: 0,
      leaseMs: 1_000, // a host option, not a duty limit
    };
    expect(maintenanceOptions("w", hostOptions)).toEqual({
      workerId: "w",
      maxClaimsPerTick: 3,
      replayDeadLettersPerTick: 0,
    });
    expect(maintenanceOptions("w", hostOptions)).not.toHaveProperty("stuckRunThresholdMs");
  });

  it("passes every host limit through to the duties' commands", () => {
    const all = Object.fromEntries(HOST_DUTY_OPTION_FIELDS.map((f, i) => [f, 1_000 + i]));
    const commands = DUTIES.map((d) => d.command(maintenanceOptions("w", all)));
    const values = commands.flatMap((c) => Object.values(c ?? {}));
    for (const field of HOST_DUTY_OPTION_FIELDS) expect(values, field).toContain(all[field]);
  });
});

describe("findDutyOptionProblem", () => {
  it("accepts unset and valid limits", () => {
    expect(findDutyOptionProblem({})).toBeUndefined();
    expect(
      findDutyOptionProblem({
        maxClaimsPerTick: 1,
        staleLeaseThresholdMs: 0,
        stuckRunThresholdMs: 0,
        replayDeadLettersPerTick: 0,
      }),
    ).toBeUndefined();
  });

  it("names the first invalid limit", () => {
    const cases: Array<[HostDutyOptions, keyof HostDutyOptions]> = [
      [{ maxClaimsPerTick: 0 }, "maxClaimsPerTick"],
      [{ maxOutboxFlushPerTick: 1.5 }, "maxOutboxFlushPerTick"],
      [{ maxStuckRunsPerTick: Number.NaN }, "maxStuckRunsPerTick"],
      [{ staleLeaseThresholdMs: -5 }, "staleLeaseThresholdMs"],
      [{ stuckRunThresholdMs: Number.POSITIVE_INFINITY }, "stuckRunThresholdMs"],
      [{ replayDeadLettersPerTick: -1 }, "replayDeadLettersPerTick"],
      [{ maxScheduledPerTick: "5" as unknown as number }, "maxScheduledPerTick"],
    ];
    for (const [options, field] of cases) {
      expect(findDutyOptionProblem(options)?.field, field).toBe(field);
    }
    expect(findDutyOptionProblem({ maxClaimsPerTick: 0 })?.message).toBe(
      "must be a positive integer, got 0",
    );
  });
});
