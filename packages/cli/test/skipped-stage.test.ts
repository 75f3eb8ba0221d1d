/**
 * A stage a choice did not take (`SKIPPED`) as the CLI shows it: a terminal "skipped" phase
 * with its own symbol, in `ratchet status` and in the live progress.
 */
import { describe, expect, it } from "vitest";
import { stepOfRecord } from "../src/progress/steps.js";
import { TERMINAL_PHASES } from "../src/progress/view.js";
import { phaseSymbol } from "../src/render/format.js";
import { renderRunDetails } from "../src/render/run-details.js";
import { createStyle, stripAnsi } from "../src/render/style.js";
import { at, runRecord, stageRecord } from "./support/records.js";

describe("SKIPPED stages in the CLI", () => {
  it("a SKIPPED record is the terminal phase skipped, shown with ↷", () => {
    const record = stageRecord("run-1", "review", { status: "SKIPPED", completedAt: at(5) });
    const step = stepOfRecord(record);
    expect(step).toMatchObject({ kind: "stage", stageId: "review", phase: "skipped" });
    expect(TERMINAL_PHASES.has("skipped")).toBe(true);
    expect(phaseSymbol("skipped", createStyle(false))).toBe("↷");
  });

  it("ratchet status lists the skipped stage with its status", () => {
    const run = runRecord("run-1", { status: "COMPLETED" });
    const lines = renderRunDetails(
      run,
      [
        stageRecord("run-1", "route", { status: "COMPLETED", attempt: 1 }),
        stageRecord("run-1", "review", { status: "SKIPPED", groupIndex: 1, completedAt: at(5) }),
      ],
      createStyle(false),
    ).map(stripAnsi);
    expect(lines.find((l) => l.includes("review"))).toMatch(/↷ review\s+SKIPPED/);
  });
});
