/**
 * `snapshotOf`: a snapshot that omits the other members of the job's group (a store's lease)
 * serves only a stage of a running run that entered its group in order; a hook, a
 * compensation, a run that is not running or one that jumped reads the run instead (its input
 * may be its own group's outputs, or it needs every record).
 */
import { describe, expect, it } from "vitest";
import { snapshotOf } from "../../src/commands/job-execute/load.js";
import type { DequeuedJob, RunRecord, StageRecord } from "../../src/records.js";
import { runRecord } from "../helpers.js";

const run = (patch: Partial<RunRecord> = {}): RunRecord =>
  runRecord({ id: "r", currentGroup: 1, groupRemaining: 2, ...patch });
const stages = [] as StageRecord[];
const job = (stageId: string, snapshot: NonNullable<DequeuedJob["snapshot"]>) => ({
  workflowRunId: "r",
  stageId,
  snapshot,
});

describe("snapshotOf", () => {
  it("uses a whole snapshot whatever the run's state", () => {
    for (const r of [run(), run({ status: "COMPENSATING" }), run({ control: { from: 3 } })])
      expect(snapshotOf(job("a", { run: r, stages }))).toEqual({ run: r, records: stages });
  });

  it("uses a snapshot without the group's other members for a stage of a run that entered its group in order", () => {
    const r = run({ control: { loops: { x: 1 } } });
    expect(snapshotOf(job("a", { run: r, stages, omitsGroupMembers: true }))).toEqual({
      run: r,
      records: stages,
    });
  });

  it("reads the run instead for a jump, a hook, a compensation, a run not running", () => {
    const partial = (r: RunRecord) => ({ run: r, stages, omitsGroupMembers: true as const });
    expect(snapshotOf(job("a", partial(run({ control: { from: 1 } }))))).toBeUndefined();
    expect(snapshotOf(job("hook:onSuccess", partial(run())))).toBeUndefined();
    expect(snapshotOf(job("compensate:a", partial(run())))).toBeUndefined();
    expect(snapshotOf(job("a", partial(run({ status: "COMPENSATING" }))))).toBeUndefined();
    expect(snapshotOf(job("a", partial(run({ status: "CANCELLED" }))))).toBeUndefined();
  });

  it("ignores a snapshot of another run", () => {
    expect(snapshotOf(job("a", { run: run({ id: "other" }), stages }))).toBeUndefined();
  });
});
