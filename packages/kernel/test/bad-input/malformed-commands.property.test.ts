/**
 * Property-based malformed commands: not an object, an unknown `type`, a known `type` whose
 * required id is missing or wrong, optional numeric fields of the wrong type or range. Each
 * is rejected with `INVALID_COMMAND` naming the field, and nothing is written.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyValue, expectTypedRejection, setup } from "./property-support.js";

const NUM_RUNS_COMMAND = 500;

const COMMAND_TYPES = [
  "run.create",
  "run.claimPending",
  "job.execute",
  "job.heartbeat",
  "run.transition",
  "stage.pollSuspended",
  "lease.reapStale",
  "run.reapStuck",
  "outbox.flush",
  "run.cancel",
  "run.rerunFrom",
  "plugin.replayDLQ",
  "schedule.fireDue",
  "stage.wake",
  "run.timeout",
] as const;

/** Required fields of each command type that must be a non-empty string id. */
const REQUIRED_ID: Partial<Record<(typeof COMMAND_TYPES)[number], string>> = {
  "run.create": "workflowId",
  "run.claimPending": "workerId",
  "job.execute": "workerId",
  "job.heartbeat": "workerId",
  "run.transition": "workflowRunId",
  "stage.pollSuspended": "workerId",
  "outbox.flush": "workerId",
  "run.cancel": "workflowRunId",
  "run.rerunFrom": "workflowRunId",
  "schedule.fireDue": "workerId",
  "stage.wake": "workflowRunId",
  "run.timeout": "workflowRunId",
};

/** A value that is never a valid id (not a string of 1–200 characters). */
const notAnId: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(""),
  fc.constant(undefined),
  fc.integer({ min: 201, max: 5_000 }).map((n) => "i".repeat(n)),
  anyValue.filter((v) => typeof v !== "string"),
);

describe("malformed commands (property)", () => {
  it(`reject with INVALID_COMMAND naming the field, writing nothing (${NUM_RUNS_COMMAND} × 3 commands)`, async () => {
    const { t, counts } = setup();
    const before = counts();

    // Not an object, or an object whose `type` is unknown: field "type".
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyValue,
          fc.record({
            type: fc.oneof(
              fc
                .string({ maxLength: 20 })
                .filter((s) => !(COMMAND_TYPES as readonly string[]).includes(s)),
              fc.constantFrom(
                "toString",
                "__proto__",
                "constructor",
                "hasOwnProperty",
                "RUN.CREATE",
              ),
              anyValue.filter((v) => typeof v !== "string"),
            ),
            workflowId: anyValue,
          }),
        ),
        async (command) => {
          const error = await t.kernel.dispatch(command as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBe("type");
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 7 },
    );

    // A known type whose required id is missing or wrong: the error names that field.
    const withRequiredId = COMMAND_TYPES.filter((type) => REQUIRED_ID[type] !== undefined);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withRequiredId),
        notAnId,
        fc.dictionary(fc.constantFrom("input", "maxClaims", "jobIds", "reason"), anyValue, {
          maxKeys: 2,
        }),
        async (type, bad, extra) => {
          const name = REQUIRED_ID[type] as string;
          const command: Record<string, unknown> = { ...extra, type };
          if (bad !== undefined) command[name] = bad;
          const error = await t.kernel.dispatch(command as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBeTypeOf("string");
          expect(e.field?.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 8 },
    );

    // Optional numeric fields of the wrong type or range: INVALID_COMMAND naming exactly them.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ["run.claimPending", "maxClaims", { workerId: "w" }] as const,
          ["lease.reapStale", "maxJobs", {}] as const,
          ["run.reapStuck", "stuckThresholdMs", {}] as const,
          ["outbox.flush", "maxEvents", { workerId: "w" }] as const,
          ["run.cancel", "expectedVersion", { workflowRunId: "r" }] as const,
          [
            "run.create",
            "priority",
            { workflowId: "strict", input: { name: "a", count: 1 } },
          ] as const,
        ),
        fc.oneof(
          fc.integer({ max: -1_000_001 }),
          fc.double({ noInteger: true }),
          fc.constant(Number.NaN),
          fc.constant(Number.MAX_SAFE_INTEGER * 4),
          anyValue.filter((v) => v !== undefined && typeof v !== "number"),
        ),
        async ([type, name, rest], bad) => {
          const error = await t.kernel.dispatch({ ...rest, type, [name]: bad } as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          const e = expectTypedRejection(error, new Set(["INVALID_COMMAND"]));
          expect(e.field).toBe(name);
        },
      ),
      { numRuns: NUM_RUNS_COMMAND, seed: 9 },
    );

    expect(counts()).toEqual(before);
  });
});
