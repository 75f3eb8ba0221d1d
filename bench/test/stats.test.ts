import { describe, expect, it } from "vitest";
import { summarizeProfile } from "../src/profile.js";
import {
  bestPeer,
  checkTargets,
  figuresOf,
  markdownTables,
  type Sample,
  summarizeSamples,
} from "../src/report.js";
import { formatNumber, formatSummary, mean, median, percentile, summarize } from "../src/stats.js";

describe("statistics", () => {
  it("takes the median of odd and even counts, whatever the order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it("interpolates percentiles between the closest ranks", () => {
    const values = [10, 20, 30, 40, 50];
    expect(percentile(values, 0)).toBe(10);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 95)).toBeCloseTo(48);
    expect(percentile(values, 25)).toBe(20);
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(() => percentile(values, 101)).toThrow(RangeError);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it("summarises repetitions as median, min and max, dropping non-finite values", () => {
    expect(summarize([5, 1, 3, Number.NaN])).toEqual({
      median: 3,
      min: 1,
      max: 5,
      n: 3,
      samples: [5, 1, 3],
    });
    expect(summarize([]).n).toBe(0);
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it("formats figures for the tables", () => {
    expect(formatNumber(1234.5)).toBe("1,235");
    expect(formatNumber(56.78)).toBe("56.8");
    expect(formatNumber(1.234)).toBe("1.23");
    expect(formatNumber(0.1234)).toBe("0.123");
    expect(formatNumber(Number.NaN)).toBe("–");
    expect(formatSummary(summarize([300, 310, 290]))).toBe("300 (290–310)");
  });
});

describe("report", () => {
  /** One W1 repetition of `system` with `result`. */
  const w1Sample = (system: Sample["system"], result: NonNullable<Sample["result"]>): Sample => ({
    system,
    workload: "w1",
    repetition: 1,
    wallMs: 1,
    result,
  });
  const throughput = (stagesPerSecond: number) => ({
    kind: "throughput" as const,
    runs: 100,
    stages: 300,
    enqueueMs: 100,
    workMs: (300 / stagesPerSecond) * 1000,
    startMs: 5,
    workerCpuPercent: 50,
    postgresCpuPercent: 50,
    otherCpuPercent: 0,
    db: {
      commits: 600,
      sessions: 10,
      walBytes: 300_000,
      walLsnBytes: 310_000,
      queries: 900,
      ratchet: { statements: 600, transactions: 300, autocommit: 150 },
    },
  });

  it("derives per-stage figures from a repetition", () => {
    const figures = figuresOf(throughput(600));
    expect(figures["stages/s"]).toBeCloseTo(600);
    expect(figures["runs/s"]).toBeCloseTo(200);
    expect(figures["commits/stage"]).toBe(2);
    expect(figures["transactions/stage"]).toBe(1);
    expect(figures["other commits/stage"]).toBe(0.5);
    expect(figures["queries/stage"]).toBe(3);
  });

  it("compares Ratchet with the best peer for each target", () => {
    const summaries = summarizeSamples([
      {
        system: "ratchet-postgres",
        workload: "w1",
        repetition: 1,
        wallMs: 1,
        result: throughput(500),
      },
      {
        system: "ratchet-postgres",
        workload: "w1",
        repetition: 2,
        wallMs: 1,
        result: throughput(700),
      },
      {
        system: "ratchet-postgres",
        workload: "w1",
        repetition: 3,
        wallMs: 1,
        result: throughput(600),
      },
      { system: "pg-boss", workload: "w1", repetition: 1, wallMs: 1, result: throughput(400) },
      {
        system: "graphile-worker",
        workload: "w1",
        repetition: 1,
        wallMs: 1,
        result: throughput(650),
      },
      {
        system: "ratchet-postgres",
        workload: "w3",
        repetition: 1,
        wallMs: 1,
        result: { kind: "latency", latenciesMs: [10, 20, 30], otherCpuPercent: 0 },
      },
      {
        system: "dbos",
        workload: "w3",
        repetition: 1,
        wallMs: 1,
        result: { kind: "latency", latenciesMs: [30, 40, 50], otherCpuPercent: 0 },
      },
      { system: "dbos", workload: "w1", repetition: 1, wallMs: 1, error: "exit 1" },
    ]);
    expect(summaries.w1?.["ratchet-postgres"]?.["stages/s"]?.median).toBeCloseTo(600);
    expect(summaries.w1?.["ratchet-postgres"]?.["stages/s"]?.min).toBeCloseTo(500);
    const targets = checkTargets(summaries);
    const w1 = targets.find((t) => t.target.includes("W1 stages/s"));
    expect(w1?.met).toBe(false); // 600 < graphile-worker's 650
    expect(w1?.detail).toContain("graphile-worker");
    expect(targets.find((t) => t.target.includes("W3"))?.met).toBe(true); // 20 ms ≤ 40 ms
    expect(targets.find((t) => t.target.includes("W2"))?.met).toBeUndefined();
    expect(targets.find((t) => t.target.includes("commits per stage ≤ 0.35 on W1"))?.met).toBe(
      false,
    ); // 2 per stage
  });

  it("holds Ratchet's WAL per stage to twice pg-boss's leaner setting per job", () => {
    const w1 = (system: Sample["system"], walBytes: number): Sample =>
      w1Sample(system, { ...throughput(1_000), db: { ...throughput(1_000).db, walBytes } });
    const check = (ratchetWal: number) =>
      checkTargets(
        summarizeSamples([
          w1("ratchet-postgres", ratchetWal),
          w1("pg-boss", 600_000),
          w1("pg-boss-batch", 300_000), // 1,000 bytes per job: the leaner setting
        ]),
      ).find((t) => t.target.startsWith("WAL bytes per stage") && t.target.endsWith("W1"));
    expect(check(600_000)?.met).toBe(true); // 2,000 per stage = 2×
    expect(check(600_300)?.met).toBe(false);
    expect(check(600_300)?.detail).toContain("×2");
  });

  it("counts every setting of a peer as a peer, so the fastest setting is the one compared", () => {
    const w1 = (system: Sample["system"], stagesPerSecond: number): Sample =>
      w1Sample(system, throughput(stagesPerSecond));
    const summaries = summarizeSamples([
      w1("ratchet-postgres", 1_000),
      w1("graphile-worker", 1_400),
      w1("pg-boss", 700),
      w1("pg-boss-batch", 2_000),
    ]);
    expect(bestPeer(summaries, "w1")).toEqual({ system: "pg-boss-batch", value: 2_000 });
    const target = checkTargets(summaries).find((t) => t.target.includes("W1 stages/s"));
    expect(target?.met).toBe(false);
    expect(target?.detail).toContain("pg-boss-batch");
    // Both settings get a Ratchet/peer ratio in the table.
    const table = markdownTables(summaries, { w1: "", w2: "", w3: "", w4: "", w5: "" });
    expect(table).toMatch(/\| pg-boss-batch \|.*\| ×0\.500 \|$/m);
    expect(table).toMatch(/\| pg-boss \|.*\| ×1\.43 \|$/m);
  });
});

describe("profile summary", () => {
  it("attributes self time to functions and areas", () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const summary = summarizeProfile({
      startTime: 0,
      endTime: 400,
      nodes: [
        { id: 1, callFrame: frame("(root)", "") },
        { id: 2, callFrame: frame("query", "file:///x/node_modules/pg/lib/client.js") },
        { id: 3, callFrame: frame("jobExecute", "file:///x/packages/kernel/dist/a.js") },
        { id: 4, callFrame: frame("(idle)", "") },
      ],
      samples: [2, 2, 3, 4, 2],
      timeDeltas: [0, 100, 100, 100, 100],
    });
    expect(summary.totalMs).toBeCloseTo(0.4);
    expect(summary.busyMs).toBeCloseTo(0.3);
    expect(summary.functions[0]).toMatchObject({ name: "query", percent: 50 });
    expect(summary.areas.map((a) => a.name)).toEqual(["pg", "@ratchet/kernel", "(idle)"]);
  });
});
