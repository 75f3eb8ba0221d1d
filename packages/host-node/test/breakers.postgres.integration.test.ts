/**
 * A circuit breaker is shared by every worker on the database: three worker processes on the
 * real PostgreSQL server run a stage guarded by the breaker "flaky-api". Three failed calls
 * open it (whichever workers ran them); then every worker defers the stage (none runs it)
 * until the cool-down ends, one probe runs, closes the breaker, and every deferred run
 * completes — no attempt used up by the deferrals.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  createKernel,
  createRegistry,
  decodeValue,
  explainRun,
  loadRunInspection,
  type RunRecord,
} from "@ratchet/kernel";
import { CollectingEventSink } from "@ratchet/kernel/testing";
import { createPostgresStack, type PrismaStack } from "@ratchet/prisma";
import type { TestDatabase } from "@ratchet/prisma/testing";
import { afterAll, describe, expect, it } from "vitest";
import { FLAKY_API, guardedWorkflow } from "./support/breaker-workload.js";
import { migratedPostgresDatabase } from "./support/databases.js";
import { startWorker, type Worker } from "./support/processes.js";

const WORKERS = ["breaker-0", "breaker-1", "breaker-2"];

let db: TestDatabase | undefined;
let stack: PrismaStack | undefined;
const workers: Worker[] = [];

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  await stack?.close();
  await db?.drop();
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("circuit breakers on PostgreSQL, three worker processes", () => {
  it("a breaker opened by one worker defers the guarded stage on all of them", async () => {
    db = await migratedPostgresDatabase("breakers");
    stack = await createPostgresStack({ url: db.url });
    const s = stack;
    const kernel = createKernel({
      ...s,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([guardedWorkflow]),
    });
    for (const id of WORKERS)
      workers.push(
        await startWorker(
          { RATCHET_DATABASE: db.url, RATCHET_WORKER_ID: id },
          "breaker-worker-entry.ts",
        ),
      );
    const start = async (fail: boolean) =>
      (
        await kernel.dispatch({
          type: "run.create",
          workflowId: "guarded-call",
          input: { fail },
        })
      ).workflowRunId;
    const ended = (id: string) =>
      waitFor(`run ${id} to end`, async () => {
        const run = await s.persistence.getRun(id);
        return run && ["COMPLETED", "FAILED"].includes(run.status) ? run : undefined;
      });

    // Three failures open the breaker.
    const failing = await Promise.all([start(true), start(true), start(true)]);
    for (const id of failing) expect((await ended(id)).status).toBe("FAILED");
    const open = await s.persistence.getBreaker(FLAKY_API.name);
    expect(open?.state).toBe("OPEN");
    expect(open?.openedFailures).toBe(3);
    const halfOpenAt = open?.halfOpenAt?.getTime() ?? 0;

    // While it is open, runs keep coming; every worker defers the stage, none runs it.
    const deferredBy = new Set<string>();
    const waiting: string[] = [];
    while (deferredBy.size < WORKERS.length && Date.now() < halfOpenAt - 1_500) {
      waiting.push(await start(false));
      await sleep(100);
      for (const id of waiting)
        for (const event of await s.queries.listEvents(id))
          if (event.type === "workflow.step.deferred")
            deferredBy.add(String(event.payload.workerId));
    }
    expect([...deferredBy].sort()).toEqual(WORKERS);
    // `ratchet explain` of a deferred run names the breaker, as the database has it.
    let deferredRun = "";
    for (const id of waiting)
      if ((await s.queries.listEvents(id)).some((e) => e.type === "workflow.step.deferred")) {
        deferredRun = id;
        break;
      }
    const inspection = await loadRunInspection(s.queries, deferredRun, new Date());
    const explanation = inspection ? explainRun(inspection) : undefined;
    expect(explanation?.facts).toMatchObject({
      reason: "circuit-breaker",
      breaker: "flaky-api",
      openedFailures: 3,
    });
    expect(explanation?.summary).toContain(
      `waiting for circuit breaker "flaky-api" (open since ${open?.openedAt?.toISOString()} after 3 failures, half-open at ${open?.halfOpenAt?.toISOString()}`,
    );

    // After the cool-down one probe runs and closes it; every deferred run then completes.
    const runs: RunRecord[] = [];
    for (const id of waiting) runs.push(await ended(id));
    for (const run of runs) {
      expect(run.status).toBe("COMPLETED");
      const output = decodeValue<{ ranAt: number }>(run.output);
      expect(output.ranAt).toBeGreaterThanOrEqual(halfOpenAt);
      const stages = (await s.queries.getRun(run.id))?.stages ?? [];
      expect(stages.find((st) => st.stageId === "call")?.attempt).toBe(1);
    }
    const closed = await s.persistence.getBreaker(FLAKY_API.name);
    expect(closed).toMatchObject({ state: "CLOSED", failures: [], probes: [] });
    const all = [...failing, ...waiting];
    const count = async (type: string) => {
      let n = 0;
      for (const id of all)
        n += (await s.queries.listEvents(id)).filter((e) => e.type === type).length;
      return n;
    };
    expect(await count("circuit.opened")).toBe(1);
    expect(await count("circuit.half_opened")).toBe(1);
    expect(await count("circuit.closed")).toBe(1);

    for (const worker of workers) worker.child.kill("SIGTERM");
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    for (const [i, code] of codes.entries())
      expect(code, `worker exited ${code}:\n${workers[i]?.output()}`).toBe(0);
  }, 90_000);
});
