import { describe, expect, it } from "vitest";
import { figuresOf, markdownTables, type Sample, summarizeSamples } from "../src/report.js";
import { type SignalRoundTripResult, systemsFor } from "../src/spec.js";

const roundTrips = (latenciesMs: number[], workMs = 2_000): SignalRoundTripResult => ({
  kind: "signal",
  waiting: 1_000,
  reachMs: 5_000,
  latenciesMs,
  sendMs: latenciesMs.map((ms) => ms / 2),
  burst: {
    signals: 1_000,
    sendMs: 1_000,
    workMs,
    processCpuPercent: 80,
    postgresCpuPercent: 60,
  },
  otherCpuPercent: 3,
});

const sample = (system: Sample["system"], repetition: number, result: SignalRoundTripResult) => ({
  system,
  workload: "w5" as const,
  repetition,
  wallMs: 1,
  result,
});

describe("W5 (signal round trip)", () => {
  it("derives latency percentiles, the send time and the burst's rates from a repetition", () => {
    const latencies = Array.from({ length: 101 }, (_, i) => i + 1); // 1 … 101 ms
    const figures = figuresOf(roundTrips(latencies));
    expect(figures["p50 ms"]).toBe(51);
    expect(figures["p95 ms"]).toBe(96);
    expect(figures["p99 ms"]).toBe(100);
    expect(figures["send p50 ms"]).toBe(25.5);
    expect(figures["round trips/s"]).toBe(500); // 1,000 signals in 2 s
    expect(figures["signals sent/s"]).toBe(1_000); // sent in 1 s
    expect(figures["runs waiting"]).toBe(1_000);
    expect(figures["PostgreSQL CPU %"]).toBe(60);
  });

  it("summarises the repetitions and every sample together, p99 included", () => {
    const summaries = summarizeSamples([
      sample("ratchet-postgres", 1, roundTrips([10, 20, 30])),
      sample("ratchet-postgres", 2, roundTrips([40, 50, 60], 4_000)),
    ]);
    const figures = summaries.w5?.["ratchet-postgres"];
    expect(figures?.["p50 ms"]).toMatchObject({ median: 35, min: 20, max: 50, n: 2 });
    expect(figures?.["round trips/s"]).toMatchObject({ min: 250, max: 500 });
    expect(figures?.["p50 ms (all samples)"]?.median).toBe(35);
    expect(figures?.["p99 ms (all samples)"]?.median).toBeCloseTo(59.5);
  });

  it("tabulates Ratchet's stores with no Ratchet/peer ratio, and says the peers do not apply", () => {
    const summaries = summarizeSamples([
      sample("ratchet-postgres", 1, roundTrips([10, 20, 30])),
      sample("ratchet-sqlite", 1, roundTrips([5, 6, 7])),
    ]);
    const table = markdownTables(summaries, { w1: "", w2: "", w3: "", w4: "", w5: "sizes" });
    expect(table).toContain(
      "**W5 signal round trip (run.signal → the waiting run completed)** — sizes",
    );
    expect(table).toMatch(/^\| system \| p50 ms \| p95 ms \| p99 ms \|.*\| other CPU % \|$/m);
    expect(table).not.toContain("Ratchet (PostgreSQL) / peer");
    expect(table).toMatch(/^\| ratchet-sqlite \| 6\.00 \(6\.00–6\.00\) \|/m);
    expect(table).toContain("Peers: not applicable");
  });

  it("runs on Ratchet's stores and the kernel alone, never on a peer", () => {
    const selected = ["ratchet-postgres", "graphile-worker", "ratchet-sqlite", "dbos"] as const;
    expect(systemsFor("w5", selected, 0)).toEqual([
      "ratchet-postgres",
      "ratchet-sqlite",
      "ratchet-memory",
    ]);
    expect(systemsFor("w5", selected, 1)).toEqual([
      "ratchet-sqlite",
      "ratchet-postgres",
      "ratchet-memory",
    ]);
    expect(systemsFor("w5", ["pg-boss"], 0)).toEqual(["ratchet-memory"]);
    // The other workloads keep their rotation over every selected system.
    expect(systemsFor("w1", selected, 1)).toEqual([
      "graphile-worker",
      "ratchet-sqlite",
      "dbos",
      "ratchet-postgres",
    ]);
    expect(systemsFor("w4", selected, 2)).toEqual(["ratchet-memory"]);
    // ratchet-memory, selectable for W4 and W5, has no database for the others.
    expect(systemsFor("w1", ["ratchet-memory", "ratchet-sqlite"], 0)).toEqual(["ratchet-sqlite"]);
    expect(systemsFor("w5", ["ratchet-memory"], 0)).toEqual(["ratchet-memory"]);
  });
});
