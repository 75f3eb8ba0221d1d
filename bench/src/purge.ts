/**
 * The purge benchmark (issue 16, retention): does purging 100,000 finished runs stall workers?
 *
 * On a fresh PostgreSQL database: 100,000 runs that completed 40 days ago are written in bulk
 * (SQL, with what a real run of the 3-stage chain leaves: 3 stages, 3 jobs, 5 published events,
 * a log line each). Then one Node host (concurrency 10, as in W1-W3) runs the chain workflow
 * while a caller does W3 — one run at a time, 50–150 ms apart, create → completed polled every
 * millisecond. First without a purge (the baseline, `--baseline-s` seconds), then while a
 * separate process purges every old run through `runs.purge` (`ratchet purge --older-than 30d`
 * does the same), batch after batch of `--batch` runs. Reported: run latency (p50, p99, worst)
 * and stage latency (stage created → completed, from its row: p99 and worst) with and without
 * the purge, and the purge's throughput and batch times.
 *
 * `npm run bench:purge [-- --runs 100000 --batch 500 --baseline-s 30]` (bin/purge.mjs).
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, createRegistry } from "@ratchet/kernel";
import { createPostgresStack } from "@ratchet/prisma";
import { createPostgresDatabase } from "@ratchet/prisma/testing";
import { connect, type Target } from "./frames.js";
import { percentile } from "./stats.js";
import { chainWorkflow, discardEvents, openStack, ratchetDriver } from "./systems/ratchet.js";
import { pollUntil, sleep } from "./util.js";

const DAY = 86_400_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The purger: `runs.purge` batch after batch until nothing is left; reports on IPC. */
async function purger(url: string, batch: number): Promise<void> {
  const stack = await createPostgresStack({ url, migrate: false });
  const kernel = createKernel({ ...stack, eventSink: discardEvents, registry: createRegistry([]) });
  const batchMs: number[] = [];
  let purged = 0;
  const started = performance.now();
  for (;;) {
    const t = performance.now();
    const result = await kernel.dispatch({
      type: "runs.purge",
      olderThanMs: 30 * DAY,
      maxRuns: batch,
    });
    batchMs.push(performance.now() - t);
    purged += result.purged;
    if (!result.more) break;
  }
  const durationMs = performance.now() - started;
  await stack.close();
  process.send?.({ purged, durationMs, batchMs });
}

/** Writes `runs` runs of the chain that completed 40 days ago, with their rows, in bulk. */
async function seed(url: string, runs: number): Promise<number> {
  const client = await connect(url);
  const started = performance.now();
  const old = "now() - interval '40 days' + g * interval '1 ms'";
  await client.query(`
    INSERT INTO ratchet_runs (id, workflow_id, workflow_version, fingerprint, route, status, version, priority, input, config, metadata, control, output, current_group, group_remaining, event_seq, waiting, created_at, updated_at, started_at, completed_at)
    SELECT 'old-' || g, 'chain', '1', '', '', 'COMPLETED', 8, 0, '{"n":1}', '{}', '{}', '{}', '{"n":4}', 2, 0, 5, false, ${old}, ${old}, ${old}, ${old}
    FROM generate_series(1, ${runs}) g`);
  await client.query(`
    INSERT INTO ratchet_stages (id, run_id, stage_id, group_index, status, attempt, output, output_ref, created_at, updated_at, started_at, completed_at)
    SELECT 'old-' || g || '-s' || k, 'old-' || g, 's' || k, k - 1, 'COMPLETED', 1, '{"n":' || (k + 1) || '}', '{"kind":"inline"}', ${old}, ${old}, ${old}, ${old}
    FROM generate_series(1, ${runs}) g, generate_series(1, 3) k`);
  await client.query(`
    INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, route, stage_id, status, priority, attempt, max_attempts, payload, available_at, created_at, updated_at)
    SELECT 'old-' || g || '-j' || k, 'old-' || g, 'chain', 'chain', 's' || k, 'COMPLETED', 0, 1, 3, '{"groupIndex":' || (k - 1) || '}', ${old}, ${old}, ${old}
    FROM generate_series(1, ${runs}) g, generate_series(1, 3) k`);
  await client.query(`
    INSERT INTO ratchet_outbox (id, run_id, sequence, type, payload, occurred_at, published_at, retry_count, available_at)
    SELECT 'old-' || g || '-e' || k, 'old-' || g, k, 'workflow.event', '{}', ${old}, ${old}, 0, ${old}
    FROM generate_series(1, ${runs}) g, generate_series(1, 5) k`);
  await client.query(`
    INSERT INTO ratchet_logs (id, run_id, stage_id, level, message, created_at)
    SELECT 'old-' || g || '-l', 'old-' || g, 's1', 'info', 'done', ${old}
    FROM generate_series(1, ${runs}) g`);
  await client.query("VACUUM ANALYZE");
  await client.end();
  return performance.now() - started;
}

interface Sample {
  runId: string;
  startedAt: number;
  endedAt: number;
  ms: number;
}

function summary(values: number[]) {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(Math.max(...values)),
  };
}

async function main(): Promise<void> {
  const runs = arg("runs", 100_000);
  const batch = arg("batch", 500);
  const baselineS = arg("baseline-s", 30);
  const db = await createPostgresDatabase("bench_purge");
  const target: Target = { kind: "postgres", url: db.url, name: db.name };
  try {
    (await openStack(target)).close(); // migrates
    const seedMs = await seed(db.url, runs);
    console.log(`seeded ${runs} finished runs in ${(seedMs / 1000).toFixed(1)} s`);
    const driver = ratchetDriver(target, chainWorkflow);
    const worker = await driver.startWorker();
    const caller = await driver.openCaller();
    let i = 0;
    const once = async (): Promise<Sample> => {
      const startedAt = performance.now();
      const runId = await caller.create(i++);
      await pollUntil(() => caller.isCompleted(runId), {
        everyMs: 1,
        timeoutMs: 120_000,
        what: runId,
      });
      const endedAt = performance.now();
      return { runId, startedAt, endedAt, ms: endedAt - startedAt };
    };
    for (let w = 0; w < 10; w++) {
      await sleep(50 + Math.random() * 100);
      await once();
    }
    const baseline: Sample[] = [];
    const baselineEnd = performance.now() + baselineS * 1000;
    while (performance.now() < baselineEnd) {
      await sleep(50 + Math.random() * 100);
      baseline.push(await once());
    }
    console.log(`baseline: ${baseline.length} runs; purging…`);
    const file = fileURLToPath(import.meta.url);
    const child = fork(file, ["--purger", db.url, "--batch", String(batch)]);
    let purge: { purged: number; durationMs: number; batchMs: number[] } | undefined;
    const childDone = new Promise<void>((resolve, reject) => {
      child.on("message", (m) => {
        purge = m as typeof purge;
      });
      child.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`purger exit ${code}`)),
      );
    });
    let finished = false;
    void childDone.then(() => {
      finished = true;
    });
    const purgeStarted = performance.now();
    const during: Sample[] = [];
    while (!finished) {
      await sleep(50 + Math.random() * 100);
      const sample = await once();
      if (sample.startedAt >= purgeStarted) during.push(sample);
    }
    await childDone;
    await caller.close();
    await worker.stop();
    if (!purge) throw new Error("the purger reported nothing");

    // Stage latency (created → completed) of the sampled runs, from their rows.
    const client = await connect(db.url);
    const stageMs = async (samples: Sample[]) => {
      const { rows } = await client.query<{ ms: string }>(
        "SELECT EXTRACT(EPOCH FROM (completed_at - created_at)) * 1000 AS ms FROM ratchet_stages WHERE run_id = ANY($1)",
        [samples.map((s) => s.runId)],
      );
      return rows.map((r) => Number(r.ms));
    };
    const [left] = (
      await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM ratchet_runs WHERE id LIKE 'old-%'",
      )
    ).rows;
    const result = {
      date: new Date().toISOString(),
      runs,
      batch,
      seedMs: Math.round(seedMs),
      /** The machine's 1-minute load average at the end (2 cores, shared): how quiet it was. */
      loadAverage: loadavg()[0],
      purge: {
        purged: purge.purged,
        left: Number(left?.n),
        durationMs: Math.round(purge.durationMs),
        runsPerSecond: Math.round(purge.purged / (purge.durationMs / 1000)),
        batches: purge.batchMs.length,
        batchMs: summary(purge.batchMs),
      },
      runLatencyMs: {
        baseline: summary(baseline.map((s) => s.ms)),
        duringPurge: summary(during.map((s) => s.ms)),
      },
      stageLatencyMs: {
        baseline: summary(await stageMs(baseline)),
        duringPurge: summary(await stageMs(during)),
      },
    };
    await client.end();
    console.log(JSON.stringify(result, null, 2));
    const out = join(
      dirname(file),
      "..",
      "..",
      "results",
      `${result.date.slice(0, 10)}-purge.json`,
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${out}`);
  } finally {
    await db.drop();
  }
}

if (process.argv.includes("--purger")) {
  await purger(process.argv[process.argv.indexOf("--purger") + 1] as string, arg("batch", 500));
} else {
  await main();
}
