import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { figuresOf, markdownTables, type Sample, summarizeSamples } from "../src/report.js";
import { runLatency } from "../src/run-latency.js";
import type { ThroughputResult } from "../src/spec.js";

const NO_SIZES = { w1: "", w2: "", w3: "", w4: "", w5: "" };

const throughput = (extra: Partial<ThroughputResult> = {}): ThroughputResult => ({
  kind: "throughput",
  runs: 3,
  stages: 9,
  enqueueMs: 10,
  workMs: 1_000,
  startMs: 5,
  workerCpuPercent: 50,
  postgresCpuPercent: 50,
  otherCpuPercent: 0,
  ...extra,
});

/** The W1 table's row of `system`, split into its cells. */
function w1Row(table: string, system: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${system} |`));
  if (!line) throw new Error(`no row for ${system} in\n${table}`);
  return line.split("|").map((cell) => cell.trim());
}

/** The cell of `column` in `system`'s W1 row. */
function w1Cell(table: string, system: string, column: string): string | undefined {
  const header = table.split("\n").find((l) => l.startsWith("| system |"));
  const columns = header?.split("|").map((cell) => cell.trim()) ?? [];
  return w1Row(table, system)[columns.indexOf(column)];
}

describe("per-run latency under a backlog", () => {
  it("counts from the worker's start for runs created before it, and from creation after", () => {
    const latency = runLatency(
      [
        { createdMs: 100, startedMs: 1_010, doneMs: 1_020 }, // queued before the start (1,000)
        { createdMs: 200, startedMs: 1_500, doneMs: 2_000 },
        { createdMs: 1_500, startedMs: 1_600, doneMs: 1_700 }, // created after the start
      ],
      1_000,
    );
    expect(latency.runs).toBe(3);
    // 20, 1,000 and 200 ms; not 920 and 1,800 ms from the runs' creation.
    expect(latency.createToDoneMs).toMatchObject({ p50: 200, max: 1_000 });
    expect(latency.startToDoneMs).toMatchObject({ p50: 100, max: 500 });
    expect(latency.createToDoneMs.p99).toBeCloseTo(984);
  });

  it("leaves out runs without a time, and says NaN when none has one", () => {
    const latency = runLatency(
      [
        { createdMs: 0, startedMs: Number.NaN, doneMs: 30 },
        { createdMs: 0, startedMs: Number.NaN, doneMs: 10 },
      ],
      0,
    );
    expect(latency.createToDoneMs.p50).toBe(20);
    expect(latency.startToDoneMs.p50).toBeNaN();
    expect(latency.startToDoneMs.max).toBeNaN();
  });

  it("reports the percentiles in the W1 table, and “–” where a repetition has none", () => {
    const withLatency = throughput({
      runLatency: runLatency(
        [
          { createdMs: 0, startedMs: 900, doneMs: 1_000 },
          { createdMs: 0, startedMs: 1_900, doneMs: 2_000 },
        ],
        0,
      ),
    });
    const sample = (system: Sample["system"], result: ThroughputResult): Sample => ({
      system,
      workload: "w1",
      repetition: 1,
      wallMs: 1,
      result,
    });
    // Through JSON as in a results file: NaN is written as null.
    const fromFile = JSON.parse(
      JSON.stringify([
        sample("ratchet-postgres", withLatency),
        sample("pg-boss", throughput()),
        sample("dbos", throughput({ runLatency: runLatency([], 0) })),
      ]),
    ) as Sample[];
    expect(figuresOf(fromFile[0]?.result as ThroughputResult)["create→done p50 ms"]).toBe(1_500);
    const table = markdownTables(summarizeSamples(fromFile), NO_SIZES);
    expect(w1Cell(table, "ratchet-postgres", "create→done p50 ms")).toBe("1,500 (1,500–1,500)");
    expect(w1Cell(table, "ratchet-postgres", "start→done p99 ms")).toBe("100 (100–100)");
    for (const system of ["pg-boss", "dbos"])
      for (const column of ["create→done p50 ms", "start→done p99 ms"])
        expect(w1Cell(table, system, column)).toBe("–");
    expect(w1Cell(table, "pg-boss", "stages/s")).toBe("9.00 (9.00–9.00)");
  });

  it("reads a results file written before the per-run latency existed", () => {
    const file = new URL("../results/2026-12-07-ops-head-1.json", import.meta.url);
    const { samples } = JSON.parse(readFileSync(file, "utf8")) as { samples: Sample[] };
    const table = markdownTables(summarizeSamples(samples), NO_SIZES);
    expect(w1Cell(table, "ratchet-postgres", "stages/s")).toMatch(/^1,9\d\d \(/);
    expect(w1Cell(table, "ratchet-postgres", "create→done p50 ms")).toBe("–");
    expect(w1Cell(table, "ratchet-postgres", "start→done p99 ms")).toBe("–");
  });
});
