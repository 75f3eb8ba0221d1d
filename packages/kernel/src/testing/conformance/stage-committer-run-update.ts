/** Stage committer conformance: how a completion's `runUpdate` is applied to the run. */
import { expect, it } from "vitest";
import type { NewStage } from "../../records.js";
import { at } from "./shared.js";
import { completion, runningRun, type StageCommitterFixture } from "./stage-committer-fixture.js";

/** Registers the run update tests. */
export function runUpdateTests(fixture: () => StageCommitterFixture): void {
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
}
