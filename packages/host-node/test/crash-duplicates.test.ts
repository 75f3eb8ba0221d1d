/**
 * The crash test's rule for duplicate executions (`support/crash-duplicates.ts`): a duplicate
 * is explained only by a kill of the previous execution's worker after that execution started
 * and before both the duplicate's start and the stage's commit.
 */
import { describe, expect, it } from "vitest";
import { classifyDuplicates, type Execution, type Kill } from "./support/crash-duplicates.js";

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const run = (worker: string, at: number, attempt = 1): Execution => ({
  runId: "r",
  stageId: "a",
  attempt,
  pid: 100,
  worker,
  at: t(at),
});
const kill = (worker: string, sentAt: number, deadBy = sentAt + 5): [string, Kill] => [
  worker,
  { worker, sentAt: t(sentAt), deadBy: t(deadBy) },
];
const committed = (at: number) => new Map([["r:a", t(at)]]);

describe("crash test: which duplicates a kill explains", () => {
  it("a kill between the first start and the retry explains the retry", () => {
    const report = classifyDuplicates(
      [run("w2", 3_000, 2), run("w1", 0, 1)],
      new Map([kill("w1", 50)]),
      committed(3_200),
    );
    expect(report).toEqual({ duplicates: 1, unexplained: [] });
  });

  it("a chain of kills explains a chain of retries", () => {
    const report = classifyDuplicates(
      [run("w1", 0, 1), run("w2", 3_000, 2), run("w3", 6_000, 3)],
      new Map([kill("w1", 50), kill("w2", 3_050)]),
      committed(6_200),
    );
    expect(report).toEqual({ duplicates: 2, unexplained: [] });
  });

  it("a kill window that may overlap the interval explains (the test never guesses against the engine)", () => {
    // Sent before the first execution's insert ran, seen dead after: it may have landed after.
    const report = classifyDuplicates(
      [run("w1", 10, 1), run("w2", 3_000, 2)],
      new Map([kill("w1", 0, 20)]),
      committed(3_200),
    );
    expect(report.unexplained).toEqual([]);
  });

  it.each([
    ["never killed", new Map<string, Kill>(), committed(200), "was never killed"],
    [
      "killed only after the duplicate started",
      new Map([kill("w1", 100)]),
      committed(300),
      "only after the duplicate started",
    ],
    [
      "killed after the stage committed",
      new Map([kill("w1", 40)]),
      committed(30),
      "only after the stage committed",
    ],
    [
      "dead before the execution started",
      new Map([kill("w1", -100, -90)]),
      committed(200),
      "before the previous execution started",
    ],
    ["a stage that never committed", new Map([kill("w1", 10)]), new Map(), "never committed"],
  ])("a duplicate whose first worker was %s is unexplained", (_, kills, commits, reason) => {
    // Two workers ran the stage at once (a double dequeue).
    const report = classifyDuplicates([run("w1", 0, 1), run("w2", 50, 1)], kills, commits);
    expect(report.duplicates).toBe(1);
    expect(report.unexplained).toHaveLength(1);
    expect(report.unexplained[0]?.reason).toContain(reason);
  });
});
