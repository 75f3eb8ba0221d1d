/**
 * Dispatch validation: the fast hand-written checks must never pass a command its zod schema
 * rejects (checked over a corpus of field values), well-formed commands must not reach zod,
 * and malformed ones must still fail with INVALID_COMMAND naming the same field.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CommandType } from "../../src/commands/index.js";
import { COMMAND_MODULES, isWellFormedCommand } from "../../src/commands/index.js";
import { InvalidCommandError } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";
import { startOne } from "../helpers.js";

const job = {
  jobId: "job-1",
  workflowRunId: "run-1",
  workflowId: "chain",
  stageId: "a",
  priority: 0,
  attempt: 1,
  maxAttempts: 3,
  payload: { groupIndex: 0 },
};

/** A well-formed command of every type, with every optional field set. */
const WELL_FORMED: Record<CommandType, Record<string, unknown>> = {
  "run.create": {
    type: "run.create",
    workflowId: "chain",
    input: { n: 1 },
    config: { a: {} },
    priority: -5,
    metadata: { tenant: "t" },
    idempotencyKey: "k",
    delayMs: 1_000,
  },
  "run.claimPending": {
    type: "run.claimPending",
    workerId: "w",
    maxClaims: 100,
    continueWith: 3,
    leaseMs: 5_000,
  },
  "job.execute": {
    type: "job.execute",
    workerId: "w",
    job,
    signal: new AbortController().signal,
    continueWith: 1_000,
  },
  "job.heartbeat": { type: "job.heartbeat", workerId: "w", jobIds: ["a", "b"], leaseMs: 1 },
  "run.transition": { type: "run.transition", workflowRunId: "r" },
  "stage.pollSuspended": { type: "stage.pollSuspended", workerId: "w", maxChecks: 3 },
  "lease.reapStale": { type: "lease.reapStale", staleThresholdMs: 0, maxJobs: 10 },
  "run.reapStuck": { type: "run.reapStuck", stuckThresholdMs: 0, maxRuns: 10 },
  "outbox.flush": { type: "outbox.flush", workerId: "w", maxEvents: 10 },
  "run.cancel": {
    type: "run.cancel",
    workflowRunId: "r",
    reason: "",
    expectedVersion: 0,
    ifActive: true,
  },
  "run.rerunFrom": { type: "run.rerunFrom", workflowRunId: "r", fromStageId: "a" },
  "run.retry": { type: "run.retry", workflowRunId: "r" },
  "run.migrate": { type: "run.migrate", workflowRunId: "r", toVersion: "2", dryRun: true },
  "outbox.replayDeadLetters": {
    type: "outbox.replayDeadLetters",
    maxEvents: 1,
    workflowRunId: "r",
  },
  "plugin.replayDLQ": { type: "plugin.replayDLQ", maxEvents: 1 },
  "schedule.fireDue": { type: "schedule.fireDue", workerId: "w", maxCommands: 1 },
  "stage.wake": { type: "stage.wake", workflowRunId: "r", stageRecordId: "s" },
  "run.timeout": { type: "run.timeout", workflowRunId: "r" },
  "run.signal": {
    type: "run.signal",
    workflowRunId: "r",
    name: "n",
    key: "k",
    payload: { a: 1 },
    signalId: "s",
    workflowId: "w",
  },
  "run.start": { type: "run.start", workflowRunId: "r" },
  "stage.resume": { type: "stage.resume", workflowRunId: "r", stageRecordId: "s" },
  "approval.decide": {
    type: "approval.decide",
    workflowRunId: "r",
    stageId: "a",
    decision: "approve",
    by: "ann",
    comment: "ok",
    decisionId: "d",
  },
  "approval.escalate": { type: "approval.escalate", workflowRunId: "r", stageRecordId: "s" },
  "approvals.list": { type: "approvals.list", workflowRunId: "r", limit: 10, cursor: "c" },
  "schedules.create": {
    type: "schedules.create",
    scheduleId: "s",
    workflowId: "chain",
    cron: "* * * * *",
    timezone: "UTC",
    input: { n: 1 },
    metadata: { team: "t" },
    priority: 1,
    overlap: "buffer_one",
    catchUp: "all",
    paused: true,
  },
  "schedules.pause": { type: "schedules.pause", scheduleId: "s" },
  "schedules.resume": { type: "schedules.resume", scheduleId: "s" },
  "schedules.delete": { type: "schedules.delete", scheduleId: "s" },
  "schedules.update": {
    type: "schedules.update",
    scheduleId: "s",
    cron: "0 * * * *",
    timezone: "Europe/Berlin",
    input: { n: 2 },
    metadata: { team: "u" },
    priority: 2,
    overlap: "allow",
    catchUp: "skip",
  },
  "schedules.list": { type: "schedules.list", afterId: "a", limit: 500, upcoming: 50 },
  "schedules.fireDue": { type: "schedules.fireDue", workerId: "w", maxSchedules: 5 },
  "runs.purge": {
    type: "runs.purge",
    olderThanMs: 1_000,
    statuses: ["COMPLETED", "FAILED"],
    workflowId: "chain",
    dryRun: true,
    maxRuns: 100,
    everyMs: 60_000,
  },
};

class Custom {
  a = 1;
}
const MISSING = Symbol("missing");

/** Values every field is tried with: edges of the schemas' ranges and wrong types. */
const VALUES: unknown[] = [
  MISSING,
  undefined,
  null,
  true,
  "",
  "x",
  "x".repeat(200),
  "x".repeat(201),
  "x".repeat(500),
  "x".repeat(501),
  "x".repeat(2000),
  "x".repeat(2001),
  // 150 code points in 300 UTF-16 units: zod counts code points.
  "\u{1F600}".repeat(150),
  "\uD800",
  0,
  -0,
  1,
  -1,
  1.5,
  1_000,
  1_001,
  1_000_000,
  1_000_001,
  -1_000_000,
  -1_000_001,
  2 ** 53,
  2 ** 53 - 1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  {},
  { a: 1 },
  [],
  ["a"],
  ["a", ""],
  // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases zod rejects.
  [, "a"],
  Object.create(null),
  Object.assign(Object.create(null), { a: 1 }),
  new Custom(),
  new Date(0),
  { [Symbol("s")]: 1 },
  { aborted: false },
  new AbortController().signal,
  () => undefined,
];

function withField(base: Record<string, unknown>, key: string, value: unknown) {
  const copy: Record<string, unknown> = { ...base };
  if (value === MISSING) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** Every command of the corpus: each field of each well-formed command replaced by each value. */
function* corpus(): Generator<[CommandType, unknown]> {
  for (const [type, base] of Object.entries(WELL_FORMED) as [
    CommandType,
    Record<string, unknown>,
  ][]) {
    yield [type, base];
    for (const key of Object.keys(base)) {
      if (key === "type") continue;
      for (const value of VALUES) yield [type, withField(base, key, value)];
    }
    if (type === "job.execute") {
      for (const key of Object.keys(job)) {
        for (const value of VALUES) yield [type, { ...base, job: withField(job, key, value) }];
      }
    }
  }
  // Commands that are not plain objects.
  const notObjects = [Object.assign([], { type: "run.transition", workflowRunId: "r" })];
  for (const command of notObjects) yield ["run.transition", command];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("dispatch validation", () => {
  it("the fast check passes only commands the zod schema accepts", () => {
    let fast = 0;
    let total = 0;
    for (const [type, command] of corpus()) {
      total++;
      if (!isWellFormedCommand(type, command)) continue;
      fast++;
      const parsed = COMMAND_MODULES[type].schema.safeParse(command);
      expect(
        parsed.success,
        `${type}: ${JSON.stringify(command, (_k, v) => (v === undefined ? "<undefined>" : v))}`,
      ).toBe(true);
    }
    // The corpus holds both kinds in numbers (the check is neither vacuous nor always off).
    expect(fast).toBeGreaterThan(100);
    expect(total - fast).toBeGreaterThan(500);
  });

  it("passes every well-formed command, with and without its optional fields", () => {
    for (const [type, command] of Object.entries(WELL_FORMED) as [
      CommandType,
      Record<string, unknown>,
    ][]) {
      expect(isWellFormedCommand(type, command), type).toBe(true);
      // Drop every field zod lets go of: what is left is the command with required fields only.
      let bare = command;
      for (const key of Object.keys(command)) {
        const without = withField(bare, key, MISSING);
        if (COMMAND_MODULES[type].schema.safeParse(without).success) bare = without;
      }
      expect(Object.keys(bare).length).toBeLessThanOrEqual(Object.keys(command).length);
      expect(isWellFormedCommand(type, bare), `${type} with required fields only`).toBe(true);
    }
  });

  it("does not run zod for well-formed commands on the hot path", async () => {
    const spies = (["run.create", "run.claimPending", "job.execute"] as const).map((type) =>
      vi.spyOn(COMMAND_MODULES[type].schema, "safeParse"),
    );
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId, job: first } = await startOne(t, "chain", { n: 1 });
    const result = await t.kernel.dispatch({
      type: "job.execute",
      workerId: "worker-1",
      job: first,
    });
    expect(result).toMatchObject({ outcome: "completed", workflowRunId });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("falls back to zod for what the fast check is too strict for, and accepts what zod accepts", async () => {
    const spy = vi.spyOn(COMMAND_MODULES["run.claimPending"].schema, "safeParse");
    const t = createTestKernel({ workflows: [chainWorkflow] });
    // 150 code points in 300 UTF-16 units: within zod's max(200), beyond the fast check's.
    const result = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "\u{1F600}".repeat(150),
    });
    expect(result).toEqual({ claimed: [] });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("rejects malformed commands with INVALID_COMMAND naming the same field as zod", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const cases: Array<[unknown, string]> = [
      [{ type: "run.create", workflowId: "chain" }, "input"],
      [{ type: "run.create", workflowId: "chain", input: {}, config: [] }, "config"],
      [{ type: "run.claimPending", workerId: "w", maxClaims: 0 }, "maxClaims"],
      [{ type: "run.claimPending", workerId: "w", continueWith: 1.5 }, "continueWith"],
      [{ type: "run.claimPending", workerId: "" }, "workerId"],
      [{ type: "job.execute", workerId: "w", job: { ...job, attempt: 0 } }, "job.attempt"],
      [{ type: "job.execute", workerId: "w", job: { ...job, payload: [] } }, "job.payload"],
      [{ type: "job.execute", workerId: "w", job: { ...job, priority: 0.5 } }, "job.priority"],
      [{ type: "job.execute", workerId: "w", job, continueWith: 1_001 }, "continueWith"],
      [{ type: "job.heartbeat", workerId: "w", jobIds: ["a", ""] }, "jobIds.1"],
      [{ type: "run.cancel", workflowRunId: "r", reason: "x".repeat(2001) }, "reason"],
    ];
    for (const [command, field] of cases) {
      const error = await t.kernel.dispatch(command as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(command).slice(0, 80)).toBeInstanceOf(InvalidCommandError);
      expect(error).toMatchObject({ code: "INVALID_COMMAND", field });
    }
  });

  it("rejects types that are only inherited object members as unknown", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    for (const type of ["toString", "__proto__", "hasOwnProperty", "constructor"]) {
      const error = await t.kernel.dispatch({ type } as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "INVALID_COMMAND", field: "type" });
    }
  });

  it("a command whose getter throws is judged by zod, not by the fast check", () => {
    const command = {
      type: "run.transition",
      get workflowRunId(): string {
        throw new Error("getter");
      },
    };
    expect(isWellFormedCommand("run.transition", command)).toBe(false);
  });
});
