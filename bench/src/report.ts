/**
 * Turns the children's results into summaries (median, min, max over repetitions), Ratchet/peer
 * ratios, the targets of issue 5, and Markdown tables.
 */
import {
  type ChildResult,
  type DatabaseSystem,
  type KernelResult,
  type LatencyResult,
  PEERS,
  type SignalRoundTripResult,
  type System,
  type ThroughputResult,
  type Workload,
} from "./spec.js";
import { formatNumber, formatSummary, percentile, type Summary, summarize } from "./stats.js";

/** One child's outcome. */
export interface Sample {
  system: System;
  workload: Workload;
  repetition: number;
  wallMs: number;
  /** Machine CPU busy just before the child started (% of one core). */
  busyBefore?: number;
  result?: ChildResult;
  error?: string;
}

/** Named figures of one workload × system, each summarised over the repetitions. */
export type Figures = Record<string, Summary>;

const per = (value: number, count: number) => (count > 0 ? value / count : Number.NaN);

/** The figures one repetition yields, by name. */
export function figuresOf(result: ChildResult): Record<string, number> {
  switch (result.kind) {
    case "throughput":
      return throughputFigures(result);
    case "latency":
      return latencyFigures(result);
    case "kernel":
      return kernelFigures(result);
    case "signal":
      return signalFigures(result);
  }
}

function throughputFigures(r: ThroughputResult): Record<string, number> {
  const figures: Record<string, number> = {
    "stages/s": (r.stages / r.workMs) * 1000,
    "runs/s": (r.runs / r.workMs) * 1000,
    "enqueue runs/s": (r.runs / r.enqueueMs) * 1000,
    "worker start ms": r.startMs,
    "worker CPU %": r.workerCpuPercent,
    "PostgreSQL CPU %": r.postgresCpuPercent,
    "other CPU %": r.otherCpuPercent,
    "worker CPU ms/stage": per((r.workerCpuPercent / 100) * r.workMs, r.stages),
    "PostgreSQL CPU ms/stage": per((r.postgresCpuPercent / 100) * r.workMs, r.stages),
  };
  // Results written before the per-run latency existed have none: their cells read "–".
  if (r.runLatency) {
    figures["create→done p50 ms"] = r.runLatency.createToDoneMs.p50 ?? Number.NaN;
    figures["create→done p99 ms"] = r.runLatency.createToDoneMs.p99 ?? Number.NaN;
    figures["start→done p50 ms"] = r.runLatency.startToDoneMs.p50 ?? Number.NaN;
    figures["start→done p99 ms"] = r.runLatency.startToDoneMs.p99 ?? Number.NaN;
  }
  if (r.db) {
    figures["commits/stage"] = per(r.db.commits, r.stages);
    figures["WAL bytes/stage"] = per(r.db.walBytes, r.stages);
    figures["WAL bytes/stage (LSN)"] = per(r.db.walLsnBytes, r.stages);
    if (r.db.walRecords !== undefined) {
      figures["WAL records/stage"] = per(r.db.walRecords, r.stages);
      figures["WAL full-page images/stage"] = per(r.db.walFullPageImages ?? Number.NaN, r.stages);
    }
    figures["queries/stage"] = per(r.db.queries, r.stages);
    if (r.db.ratchet) {
      figures["statements/stage"] = per(r.db.ratchet.statements, r.stages);
      figures["transactions/stage"] = per(r.db.ratchet.transactions, r.stages);
      figures["autocommit statements/stage"] = per(r.db.ratchet.autocommit, r.stages);
      // Commits the worker did not make itself: mostly the LISTEN backend's transaction for
      // reading each notification, plus autovacuum.
      figures["other commits/stage"] = per(
        r.db.commits - r.db.ratchet.transactions - r.db.ratchet.autocommit,
        r.stages,
      );
    }
  }
  return figures;
}

function latencyFigures(r: LatencyResult): Record<string, number> {
  return {
    "p50 ms": percentile(r.latenciesMs, 50),
    "p95 ms": percentile(r.latenciesMs, 95),
    "other CPU %": r.otherCpuPercent,
  };
}

function kernelFigures(r: KernelResult): Record<string, number> {
  return {
    "transitions/s": (r.stages / r.workMs) * 1000,
    "run.create/s": (r.runs / r.createMs) * 1000,
  };
}

function signalFigures(r: SignalRoundTripResult): Record<string, number> {
  return {
    "p50 ms": percentile(r.latenciesMs, 50),
    "p95 ms": percentile(r.latenciesMs, 95),
    "p99 ms": percentile(r.latenciesMs, 99),
    "send p50 ms": percentile(r.sendMs, 50),
    "round trips/s": (r.burst.signals / r.burst.workMs) * 1000,
    "signals sent/s": (r.burst.signals / r.burst.sendMs) * 1000,
    "runs waiting": r.waiting,
    "process CPU %": r.burst.processCpuPercent,
    "PostgreSQL CPU %": r.burst.postgresCpuPercent,
    "other CPU %": r.otherCpuPercent,
  };
}

/** Summaries per workload and system. */
export function summarizeSamples(
  samples: readonly Sample[],
): Partial<Record<Workload, Partial<Record<System, Figures>>>> {
  const out: Partial<Record<Workload, Partial<Record<System, Figures>>>> = {};
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    if (!sample.result) continue;
    const key = `${sample.workload}|${sample.system}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, group] of groups) {
    const [workload, system] = key.split("|") as [Workload, System];
    const values = new Map<string, number[]>();
    for (const sample of group) {
      if (!sample.result) continue;
      for (const [name, value] of Object.entries(figuresOf(sample.result)))
        values.set(name, [...(values.get(name) ?? []), value]);
    }
    const figures: Figures = {};
    for (const [name, list] of values) figures[name] = summarize(list);
    // W3 and W5: every sample of every repetition together, too.
    if (workload === "w3" || workload === "w5") {
      const all = group.flatMap((s) =>
        s.result?.kind === "latency" || s.result?.kind === "signal" ? s.result.latenciesMs : [],
      );
      figures["p50 ms (all samples)"] = summarize([percentile(all, 50)]);
      figures["p95 ms (all samples)"] = summarize([percentile(all, 95)]);
      if (workload === "w5") figures["p99 ms (all samples)"] = summarize([percentile(all, 99)]);
    }
    out[workload] ??= {};
    (out[workload] as Partial<Record<System, Figures>>)[system] = figures;
  }
  return out;
}

/** The headline metric of each workload, and whether higher is better. */
export const HEADLINE: Record<Workload, { metric: string; higherIsBetter: boolean }> = {
  w1: { metric: "stages/s", higherIsBetter: true },
  w2: { metric: "stages/s", higherIsBetter: true },
  w3: { metric: "p50 ms", higherIsBetter: false },
  w4: { metric: "transitions/s", higherIsBetter: true },
  w5: { metric: "p50 ms", higherIsBetter: false },
};

/** Target checks (issue 20's targets). */
export interface TargetCheck {
  target: string;
  met: boolean | undefined;
  detail: string;
}

export function checkTargets(summaries: ReturnType<typeof summarizeSamples>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const median = (w: Workload, s: System, metric: string) =>
    summaries[w]?.[s]?.[metric]?.median ?? Number.NaN;
  for (const w of ["w1", "w2"] as const) {
    const ours = median(w, "ratchet-postgres", "stages/s");
    const best = bestPeer(summaries, w);
    checks.push({
      target: `PostgreSQL ${w.toUpperCase()} stages/s ≥ the fastest peer`,
      met: Number.isFinite(ours) && best ? ours >= best.value : undefined,
      detail: best
        ? `Ratchet ${formatNumber(ours)} vs ${best.system} ${formatNumber(best.value)} (×${formatNumber(ours / best.value)})`
        : "no peer result",
    });
  }
  const ours = median("w3", "ratchet-postgres", "p50 ms");
  const best = bestPeer(summaries, "w3");
  checks.push({
    target: "W3 p50 ≤ the best peer's p50",
    met: Number.isFinite(ours) && best ? ours <= best.value : undefined,
    detail: best
      ? `Ratchet ${formatNumber(ours)} ms vs ${best.system} ${formatNumber(best.value)} ms`
      : "no peer result",
  });
  for (const w of ["w1", "w2"] as const) {
    const commits = median(w, "ratchet-postgres", "commits/stage");
    checks.push({
      target: `commits per stage ≤ 0.35 on ${w.toUpperCase()} (PostgreSQL)`,
      met: Number.isFinite(commits) ? commits <= 0.35 : undefined,
      detail: `${formatNumber(commits)} commits/stage: ${formatNumber(median(w, "ratchet-postgres", "transactions/stage"))} transactions, ${formatNumber(median(w, "ratchet-postgres", "autocommit statements/stage"))} autocommit statements, ${formatNumber(median(w, "ratchet-postgres", "other commits/stage"))} other`,
    });
  }
  for (const w of ["w1", "w2"] as const) {
    const wal = median(w, "ratchet-postgres", "WAL bytes/stage");
    // pg-boss's leaner setting per job (a job is its stage).
    const boss = Math.min(
      median(w, "pg-boss", "WAL bytes/stage"),
      median(w, "pg-boss-batch", "WAL bytes/stage"),
    );
    checks.push({
      target: `WAL bytes per stage ≤ 2× pg-boss's per job on ${w.toUpperCase()}`,
      met: Number.isFinite(wal) && Number.isFinite(boss) ? wal <= 2 * boss : undefined,
      detail: Number.isFinite(boss)
        ? `Ratchet ${formatNumber(wal)} vs pg-boss ${formatNumber(boss)} (×${formatNumber(wal / boss)})`
        : "no pg-boss result",
    });
  }
  const w4 = median("w4", "ratchet-memory", "transitions/s");
  checks.push({
    target: "W4 ≥ 50,000 transitions/s",
    met: Number.isFinite(w4) ? w4 >= 50_000 : undefined,
    detail: `${formatNumber(w4)} transitions/s`,
  });
  return checks;
}

/**
 * The best peer on a workload's headline metric (by median), among every peer setting of
 * {@link PEERS} that has a result in this run (pg-boss and pg-boss-batch count separately).
 */
export function bestPeer(
  summaries: ReturnType<typeof summarizeSamples>,
  workload: Workload,
): { system: DatabaseSystem; value: number } | undefined {
  const { metric, higherIsBetter } = HEADLINE[workload];
  let best: { system: DatabaseSystem; value: number } | undefined;
  for (const peer of PEERS) {
    const value = summaries[workload]?.[peer]?.[metric]?.median;
    if (value === undefined || !Number.isFinite(value)) continue;
    if (!best || (higherIsBetter ? value > best.value : value < best.value))
      best = { system: peer, value };
  }
  return best;
}

const TITLES: Record<Workload, string> = {
  w1: "W1 chain (3 sequential stages)",
  w2: "W2 fan-out (10 parallel stages + join)",
  w3: "W3 latency (create → completed, idle worker)",
  w4: "W4 kernel (in-memory, no host, one core)",
  w5: "W5 signal round trip (run.signal → the waiting run completed)",
};

/** W1 and W2's columns: throughput, per-run latency under the backlog, CPU. */
const BACKLOG_COLUMNS = [
  "stages/s",
  "runs/s",
  "enqueue runs/s",
  "create→done p50 ms",
  "create→done p99 ms",
  "start→done p50 ms",
  "start→done p99 ms",
  "worker CPU %",
  "PostgreSQL CPU %",
  "other CPU %",
];

/** The columns of each workload's table. */
const COLUMNS: Record<Workload, string[]> = {
  w1: BACKLOG_COLUMNS,
  w2: BACKLOG_COLUMNS,
  w3: ["p50 ms", "p95 ms", "other CPU %"],
  w4: ["transitions/s", "run.create/s"],
  w5: [
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "send p50 ms",
    "round trips/s",
    "signals sent/s",
    "process CPU %",
    "PostgreSQL CPU %",
    "other CPU %",
  ],
};

const BACKLOG_NOTE =
  "Per-run latency under the backlog (every run queued before the worker started): create→done is a run's creation, or the worker's start if later, → completed; start→done is its first stage's start → completed.";

/** A line under a workload's table. */
const NOTES: Partial<Record<Workload, string>> = { w1: BACKLOG_NOTE, w2: BACKLOG_NOTE };

/** Workloads the peers do not run: no Ratchet/peer ratio, and a line saying so. */
const RATCHET_ONLY: Partial<Record<Workload, string>> = {
  w5: "Peers: not applicable (W5 runs on Ratchet's stores only; `ratchet-memory` is the kernel alone, no host).",
};

/** Markdown tables: one per workload, median (min–max) per system, with Ratchet/peer ratios. */
export function markdownTables(
  summaries: ReturnType<typeof summarizeSamples>,
  sizes: Record<Workload, string>,
): string {
  const lines: string[] = [];
  for (const workload of ["w1", "w2", "w3", "w4", "w5"] as const) {
    const bySystem = summaries[workload];
    if (!bySystem) continue;
    const systems = Object.keys(bySystem) as System[];
    const columns = COLUMNS[workload];
    const { metric, higherIsBetter } = HEADLINE[workload];
    const ours = bySystem["ratchet-postgres"]?.[metric]?.median;
    const withRatio = workload !== "w4" && RATCHET_ONLY[workload] === undefined;
    const ratioTitle = `Ratchet (PostgreSQL) / peer, ${metric} (${higherIsBetter ? "> 1" : "< 1"}: Ratchet better)`;
    lines.push(`**${TITLES[workload]}** — ${sizes[workload]}`, "");
    lines.push(`| system | ${[...columns, ...(withRatio ? [ratioTitle] : [])].join(" | ")} |`);
    lines.push(
      `| --- | ${[...columns, ...(withRatio ? [""] : [])].map(() => "---").join(" | ")} |`,
    );
    for (const system of systems) {
      const figures = bySystem[system] ?? {};
      const cells = columns.map((c) => (figures[c] ? formatSummary(figures[c]) : "–"));
      if (withRatio) {
        const theirs = figures[metric]?.median;
        const isPeer = (PEERS as readonly string[]).includes(system);
        cells.push(
          isPeer && ours !== undefined && theirs !== undefined
            ? `×${formatNumber(ours / theirs)}`
            : "–",
        );
      }
      lines.push(`| ${system} | ${cells.join(" | ")} |`);
    }
    lines.push("");
    const note = RATCHET_ONLY[workload] ?? NOTES[workload];
    if (note) lines.push(note, "");
  }
  return lines.join("\n");
}

/** Markdown table of the cost per stage on W1 (PostgreSQL systems): CPU, commits, WAL, queries. */
export function dbCostTable(summaries: ReturnType<typeof summarizeSamples>): string {
  const w1 = summaries.w1 ?? {};
  const columns = [
    "worker CPU ms/stage",
    "PostgreSQL CPU ms/stage",
    "commits/stage",
    "WAL bytes/stage",
    "WAL bytes/stage (LSN)",
    "WAL records/stage",
    "WAL full-page images/stage",
    "queries/stage",
    "statements/stage",
    "transactions/stage",
    "autocommit statements/stage",
    "other commits/stage",
  ];
  const lines = [
    `| system | ${columns.join(" | ")} |`,
    `| --- | ${columns.map(() => "---").join(" | ")} |`,
  ];
  for (const [system, figures] of Object.entries(w1)) {
    if (!figures?.["commits/stage"]) continue; // SQLite
    lines.push(
      `| ${system} | ${columns.map((c) => (figures[c] ? formatSummary(figures[c]) : "–")).join(" | ")} |`,
    );
  }
  return lines.join("\n");
}
