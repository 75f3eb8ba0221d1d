/**
 * The benchmark harness (`npm run bench`, `npm run bench -- --full`). Each workload repetition
 * runs in a child process of its own on a fresh database; repetitions are interleaved (every
 * system once per workload, then the next repetition, the system order rotated) so drift hits
 * everyone alike. Prints Markdown tables and writes `bench/results/<date>[-full].json`.
 *
 * W5 (signal round trip) runs on Ratchet's stores only (and the kernel alone, `ratchet-memory`);
 * the peers in --systems are skipped for it (not applicable).
 *
 * Options: --full (the issue's sizes), --reps N, --systems a,b, --workloads w1,w3,
 * --no-profile (skip the profiled runs: Ratchet W1 on PostgreSQL, W4), --out FILE,
 * --quiet-wait S (how long to wait for other processes to go quiet before each child; 300),
 * --report FILE (print the tables of an earlier results file; runs nothing).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchOptions, usageError } from "./options.js";
import { machineBusyMs, serverInfo } from "./postgres.js";
import { type ProfileSummary, summarizeProfile } from "./profile.js";
import {
  bestPeer,
  checkTargets,
  dbCostTable,
  figuresOf,
  HEADLINE,
  markdownTables,
  type Sample,
  summarizeSamples,
} from "./report.js";
import {
  type ChildResult,
  type ChildSpec,
  FULL,
  QUICK,
  RESULT_PREFIX,
  SELECTABLE_SYSTEMS,
  SIGNAL_SYSTEMS,
  type Sizes,
  SYSTEMS,
  type System,
  systemsFor,
  WORKLOADS,
  type Workload,
} from "./spec.js";
import { formatNumber } from "./stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, "child.mjs");
const BENCH_DIR = join(HERE, "..", "..");

const values = benchOptions();

const sizes: Sizes = { ...(values.full ? FULL : QUICK) };
if (values.reps) {
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) usageError(`--reps must be a positive integer`);
  sizes.repetitions = reps;
}
const systems = (values.systems?.split(",") ?? [...SYSTEMS]) as System[];
const workloads = (values.workloads?.split(",") ?? [...WORKLOADS]) as Workload[];
for (const s of systems) if (!SELECTABLE_SYSTEMS.includes(s)) usageError(`unknown system ${s}`);
for (const w of workloads)
  if (!(WORKLOADS as readonly string[]).includes(w)) usageError(`unknown workload ${w}`);

const SIZE_LABELS: Record<Workload, string> = {
  w1: `${sizes.w1Runs.toLocaleString("en-US")} runs × 3 stages, concurrency 10`,
  w2: `${sizes.w2Runs.toLocaleString("en-US")} runs × (10 parallel + 1 join) stages, concurrency 10`,
  w3: `${sizes.w3Samples} runs one at a time after ${sizes.w3Warmup} warm-up runs, 50–150 ms apart`,
  w4: `${sizes.w4Runs.toLocaleString("en-US")} runs × 3 stages`,
  w5: `${sizes.w5Samples} round trips one at a time, 50–150 ms apart, after ${sizes.w5Warmup} warm-up ones, then a burst of ${sizes.w5Waiting.toLocaleString("en-US")}, with ${sizes.w5Waiting.toLocaleString("en-US")} runs waiting throughout; worker concurrency 10`,
};

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Machine CPU in use over `ms` (sum over cores, % of one core). */
async function busyPercent(ms: number): Promise<number> {
  const before = machineBusyMs();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((machineBusyMs() - before) / (performance.now() - started)) * 100;
}

/**
 * Waits (at most `maxWaitMs`) until the machine is quiet — under {@link QUIET_PERCENT} of one
 * core busy — so another process's work does not land in a measurement. Returns the last reading.
 */
async function waitForQuiet(maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await busyPercent(500);
  if (busy < QUIET_PERCENT) return busy;
  log(`  machine busy (${busy.toFixed(0)}% of a core); waiting up to ${maxWaitMs / 1000} s …`);
  while (Date.now() < deadline) {
    busy = await busyPercent(1_000);
    if (busy < QUIET_PERCENT) return busy;
  }
  log(`  still busy (${busy.toFixed(0)}%); measuring anyway`);
  return busy;
}
const QUIET_PERCENT = 25;

/** Runs one child; resolves with its result or its error (never rejects). */
function runChild(spec: ChildSpec, env: Record<string, string> = {}, timeoutMs = 20 * 60_000) {
  return new Promise<{ result?: ChildResult; error?: string; wallMs: number }>((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CHILD, JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        if (stderr.trim()) log(indent(stderr.trim()));
        resolve({ result: JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult, wallMs });
      } else {
        const lines = `${stderr}\n${stdout}`.trim().split("\n");
        const excerpt =
          lines.length > 24 ? [...lines.slice(0, 16), "…", ...lines.slice(-6)] : lines;
        resolve({ error: `exit ${code ?? signal}: ${excerpt.join("\n")}`, wallMs });
      }
    });
  });
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

function headline(workload: Workload, result: ChildResult): string {
  const { metric } = HEADLINE[workload];
  const value = figuresOf(result)[metric] ?? Number.NaN;
  return `${formatNumber(value)} ${metric}`;
}

async function machine() {
  const cpus = os.cpus();
  let postgres: Record<string, string> | { error: string };
  try {
    postgres = await serverInfo();
  } catch (error) {
    postgres = { error: (error as Error).message };
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    postgres,
  };
}

/** Runs one child with its measured window profiled (see capture.ts) and summarises the profile. */
async function profileChild(
  spec: ChildSpec,
): Promise<{ system: System; workload: Workload; summary?: ProfileSummary; error?: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), "ratchet-bench-profile-"));
  const file = join(dir, "window.cpuprofile");
  const tag = { system: spec.system, workload: spec.workload };
  try {
    log(`profile: ${spec.workload} on ${spec.system} …`);
    await waitForQuiet(Number(values["quiet-wait"]) * 1000);
    const outcome = await runChild({ ...spec, profiled: true }, { BENCH_PROFILE_FILE: file });
    if (outcome.error) return { ...tag, error: outcome.error };
    const profile = JSON.parse(readFileSync(file, "utf8"));
    return { ...tag, summary: summarizeProfile(profile, 30) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function profileText(summary: ProfileSummary): string {
  const lines = [
    `total ${formatNumber(summary.totalMs)} ms sampled, ${formatNumber(summary.busyMs)} ms on the CPU`,
    "",
    "self time by area:",
    ...summary.areas.map(
      (a) =>
        `  ${a.percent.toFixed(1).padStart(5)}%  ${formatNumber(a.selfMs).padStart(8)} ms  ${a.name}`,
    ),
    "",
    "top functions by self time:",
    ...summary.functions.map(
      (f) =>
        `  ${f.percent.toFixed(1).padStart(5)}%  ${formatNumber(f.selfMs).padStart(8)} ms  ${f.name}  ${f.where}`,
    ),
  ];
  return lines.join("\n");
}

type Machine = Awaited<ReturnType<typeof machine>>;
type Profiled = Awaited<ReturnType<typeof profileChild>>;

/** What a results file holds that the tables need. */
interface RunRecord {
  samples: Sample[];
  profiles: Profiled[];
  machine: Machine;
  mode: string;
  date: string;
  sizeLabels: Record<Workload, string>;
}

/** Prints the tables, targets and profiles of a run; returns the summaries. */
function render(run: RunRecord) {
  const summaries = summarizeSamples(run.samples);
  const targets = checkTargets(summaries);
  const tables = markdownTables(summaries, run.sizeLabels);
  const costs = dbCostTable(summaries);

  const out = [
    "",
    `## Results (${run.mode} mode, ${run.date})`,
    "",
    `Machine: ${run.machine.cores} cores (${run.machine.cpuModel}), ${run.machine.memoryGiB} GiB, Node ${run.machine.node}, ${
      "server_version" in run.machine.postgres
        ? `PostgreSQL ${run.machine.postgres.server_version}`
        : "PostgreSQL ?"
    }`,
    "",
    tables,
    "**Cost per stage, W1 on PostgreSQL**",
    "",
    costs,
    "",
    "**Targets**",
    "",
    "| target | met | detail |",
    "| --- | --- | --- |",
    ...targets.map(
      (t) =>
        `| ${t.target} | ${t.met === undefined ? "n/a" : t.met ? "yes" : "**no**"} | ${t.detail} |`,
    ),
    "",
  ];
  for (const workload of ["w1", "w2", "w3"] as const) {
    const best = bestPeer(summaries, workload);
    if (best) out.push(`fastest peer on ${workload}: ${best.system} (${formatNumber(best.value)})`);
  }
  for (const profile of run.profiles) {
    const title = `Profile of ${profile.workload.toUpperCase()} on ${profile.system}`;
    if (profile.summary) out.push("", `${title}:`, "```", profileText(profile.summary), "```");
    if (profile.error) out.push("", `${title} failed: ${profile.error}`);
  }
  const failures = run.samples.filter((s) => s.error);
  if (failures.length > 0) {
    out.push("", "Failed children:");
    for (const f of failures)
      out.push(`- ${f.workload} ${f.system} rep ${f.repetition}: ${f.error}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  return { summaries, targets };
}

async function main() {
  if (values.report) {
    // Re-render an earlier results file (e.g. after the report gained a column).
    render(JSON.parse(readFileSync(values.report, "utf8")) as RunRecord);
    return;
  }
  const started = Date.now();
  const info = await machine();
  log(
    `ratchet bench (${values.full ? "full" : "quick"}): ${sizes.repetitions} repetitions of ${workloads.join(", ")} on ${systems.join(", ")}`,
  );
  const samples: Sample[] = [];
  const notApplicable = systems.filter(
    (s) => !SIGNAL_SYSTEMS.includes(s) && s !== "ratchet-memory",
  );
  if (workloads.includes("w5") && notApplicable.length > 0)
    log(`w5 (signal round trip) is not applicable to ${notApplicable.join(", ")}: skipped`);
  for (let rep = 0; rep < sizes.repetitions; rep++) {
    for (const workload of workloads) {
      for (const system of systemsFor(workload, systems, rep)) {
        const busyBefore = await waitForQuiet(Number(values["quiet-wait"]) * 1000);
        const outcome = await runChild({ system, workload, sizes });
        samples.push({ system, workload, repetition: rep + 1, busyBefore, ...outcome });
        log(
          `[${workload} ${rep + 1}/${sizes.repetitions}] ${system}: ${
            outcome.result ? headline(workload, outcome.result) : `FAILED ${outcome.error}`
          } (${(outcome.wallMs / 1000).toFixed(1)} s)`,
        );
      }
    }
  }

  const profiles: Profiled[] = [];
  if (!values["no-profile"]) {
    if (workloads.includes("w1") && systems.includes("ratchet-postgres"))
      profiles.push(await profileChild({ system: "ratchet-postgres", workload: "w1", sizes }));
    if (workloads.includes("w4"))
      profiles.push(await profileChild({ system: "ratchet-memory", workload: "w4", sizes }));
  }

  const { summaries, targets } = render({
    samples,
    profiles,
    machine: info,
    mode: values.full ? "full" : "quick",
    date: new Date().toISOString().slice(0, 10),
    sizeLabels: SIZE_LABELS,
  });

  const date = new Date().toISOString().slice(0, 10);
  const file =
    values.out ?? join(BENCH_DIR, "results", `${date}${values.full ? "-full" : ""}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date,
        mode: values.full ? "full" : "quick",
        sizes,
        sizeLabels: SIZE_LABELS,
        machine: info,
        durationSeconds: Math.round((Date.now() - started) / 1000),
        targets,
        summaries,
        profiles,
        samples,
      },
      null,
      2,
    )}\n`,
  );
  // Format it the way the repository's Biome check expects, so the file is commit-ready.
  const biome = join(BENCH_DIR, "..", "node_modules", ".bin", "biome");
  spawnSync(biome, ["format", "--write", file], { stdio: "ignore" });
  log(`results written to ${file} (${Math.round((Date.now() - started) / 1000)} s in all)`);
}

await main();
