#!/usr/bin/env node
/**
 * Measures the Node host on SQLite and PostgreSQL (run `npm run measure -w @ratchet/host-node`):
 * - create → completed latency of a 3-stage run on an idle host, as the caller sees it (the
 *   caller uses its own connection and polls the run every millisecond);
 * - statements per second an idle host sends (counted with the stack's `onStatement`).
 * Figures go to docs/hosts.md. Options: --idle-seconds N (default 20), --runs N (default 30).
 */
import { parseArgs } from "node:util";
import {
  createKernel,
  createRegistry,
  defineStage,
  defineWorkflow,
  systemClock,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, createSqliteStack } from "@ratchet/prisma";
import { createPostgresDatabase, createSqliteFile } from "@ratchet/prisma/testing";
import { z } from "zod";
import { createNodeHost } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    "idle-seconds": { type: "string", default: "20" },
    runs: { type: "string", default: "30" },
  },
});
const IDLE_SECONDS = Number(values["idle-seconds"]);
const RUNS = Number(values.runs);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const step = (id) =>
  defineStage({
    id,
    name: id,
    schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
const chain = defineWorkflow({
  id: "chain",
  name: "Chain",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(step("a"))
  .pipe(step("b"))
  .pipe(step("c"))
  .build();
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(provider) {
  const db =
    provider === "postgresql"
      ? await createPostgresDatabase("measure")
      : createSqliteFile("measure");
  const target = provider === "postgresql" ? db.url : db.file;
  const open = (onStatement) =>
    provider === "postgresql"
      ? createPostgresStack({ url: target, onStatement })
      : createSqliteStack({ file: target, onStatement });
  let statements = 0;
  const workerStack = await open(() => statements++);
  const callerStack = await open();
  const registry = createRegistry([chain]);
  const worker = createKernel({
    ...workerStack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry,
  });
  const caller = createKernel({
    ...callerStack,
    eventSink: new CollectingEventSink(),
    clock: systemClock,
    registry,
  });
  const host = createNodeHost({
    kernel: worker,
    jobTransport: workerStack.jobTransport,
    wakeups: workerStack.wakeups,
    logger: { warn() {}, error() {} },
  });
  await host.start();

  const once = async (n) => {
    const started = performance.now();
    const { workflowRunId } = await caller.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n },
    });
    for (;;) {
      const run = await callerStack.persistence.getRun(workflowRunId);
      if (run?.status === "COMPLETED") return performance.now() - started;
      if (run?.status === "FAILED") throw new Error(`run failed: ${JSON.stringify(run.error)}`);
      await sleep(1);
    }
  };
  for (let i = 0; i < 5; i++) await once(i); // warm-up
  const latencies = [];
  for (let i = 0; i < RUNS; i++) {
    await sleep(50 + Math.random() * 100);
    latencies.push(await once(i));
  }
  latencies.sort((a, b) => a - b);

  await sleep(1_000);
  statements = 0;
  await sleep(IDLE_SECONDS * 1_000);
  const idlePerSecond = statements / IDLE_SECONDS;

  await host.stop();
  await workerStack.close();
  await callerStack.close();
  await (provider === "postgresql" ? db.drop() : db.cleanup());
  return {
    provider,
    runs: RUNS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    idlePerSecond,
  };
}

const results = [];
for (const provider of ["sqlite", "postgresql"]) results.push(await measure(provider));
console.log("| database | create → completed p50 | p95 | idle statements/s |");
console.log("| --- | --- | --- | --- |");
for (const r of results)
  console.log(
    `| ${r.provider} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.idlePerSecond.toFixed(2)} |`,
  );
