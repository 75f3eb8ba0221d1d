/**
 * The signal test's third process: it creates RATCHET_SIGNAL_RUNS runs of the signal workload
 * on the PostgreSQL database in RATCHET_DATABASE and sends each its `payment` signal, in a
 * random order (seeded by RATCHET_SIGNAL_SEED), several at a time (RATCHET_SIGNAL_LANES).
 * For a random half ("early") the signal goes out 0–50% of `prepare`'s duration after the run
 * was created, before the run can reach its wait; for the other half ("late") only once the
 * run's wait row exists. Each signal's payload is `{ id, token }`: the run's input id and a
 * token of its own. Prints "ready", then one `SENT <json>` line per signal (what `run.signal`
 * answered), then "done", and exits 0; on any failure it writes the error to stderr and exits 1.
 */
import { randomBytes } from "node:crypto";
import { createKernel, createRegistry } from "@ratchet/kernel";
import { createPostgresStack } from "@ratchet/prisma";
import type { SentSignal } from "./signal-checks.js";
import { PREPARE_MS, SIGNAL_NAME, signalWorkflow } from "./signal-workload.js";

const url = process.env.RATCHET_DATABASE ?? "";
const runs = Number(process.env.RATCHET_SIGNAL_RUNS ?? 1_000);
const lanes = Number(process.env.RATCHET_SIGNAL_LANES ?? 8);
const seed = Number(process.env.RATCHET_SIGNAL_SEED ?? 1);
const reachTimeoutMs = Number(process.env.RATCHET_SIGNAL_REACH_MS ?? 60_000);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small seeded PRNG (mulberry32), so a failing plan can be replayed. */
function seeded(start: number): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(count: number, random: () => number): number[] {
  const list = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j] as number, list[i] as number];
  }
  return list;
}

const random = seeded(seed);
const early = new Set(shuffled(runs, random).slice(0, Math.floor(runs / 2)));
const order = shuffled(runs, random);
const delays = order.map(() => random() * PREPARE_MS * 0.5);

const stack = await createPostgresStack({ url, migrate: false, poolSize: lanes + 2 });
const kernel = createKernel({
  ...stack,
  eventSink: { emit: async () => {} },
  registry: createRegistry([signalWorkflow]),
});

/** Runs whose wait the sender is waiting for: resolved by one poller for them all. */
const reaching = new Map<string, () => void>();
let sending = true;
const poller = (async () => {
  while (sending) {
    const ids = [...reaching.keys()];
    if (ids.length > 0) {
      const rows = await stack.prisma.$queryRawUnsafe<Array<{ run_id: string }>>(
        "SELECT run_id FROM ratchet_signal_waits WHERE run_id = ANY($1::text[])",
        ids,
      );
      for (const { run_id } of rows) {
        reaching.get(run_id)?.();
        reaching.delete(run_id);
      }
    }
    await pause(20);
  }
})();

function waitReached(runId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`run ${runId} did not reach its wait in ${reachTimeoutMs} ms`)),
      reachTimeoutMs,
    );
    reaching.set(runId, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function send(position: number): Promise<void> {
  const id = order[position] as number;
  const planned = early.has(id) ? "early" : "late";
  const { workflowRunId: runId } = await kernel.dispatch({
    type: "run.create",
    workflowId: signalWorkflow.id,
    input: { id },
  });
  if (planned === "early") await pause(delays[position] as number);
  else await waitReached(runId);
  const token = randomBytes(8).toString("hex");
  const sent = await kernel.dispatch({
    type: "run.signal",
    workflowRunId: runId,
    name: SIGNAL_NAME,
    payload: { id, token },
  });
  const line: SentSignal = {
    id,
    runId,
    planned,
    status: sent.status,
    signalId: sent.signalId,
    token,
  };
  process.stdout.write(`SENT ${JSON.stringify(line)}\n`);
}

process.stdout.write("ready\n");
try {
  let next = 0;
  const lane = async () => {
    while (next < runs) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, runs) }, lane));
  sending = false;
  await poller;
  await stack.close();
  process.stdout.write("done\n");
  process.exit(0);
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
