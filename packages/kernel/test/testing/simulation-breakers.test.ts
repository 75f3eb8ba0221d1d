/**
 * The simulation, on workflows whose stages are guarded by circuit breakers that open often:
 * under every fault (crashes inside and after commits, duplicate and stale deliveries, lease
 * expiry, clock jumps, cancels) every run still ends (a deferred job comes back; a deferral
 * never uses up an attempt nor fails a run) and the simulator's invariants hold. After each
 * seed, every failure a breaker counts is a committed failed attempt of a stage it guards (a
 * rolled-back or superseded attempt counts nothing), and each `circuit.*` event was committed
 * by a run of those stages.
 *
 * RATCHET_SIM_SEED=<n> runs one seed (the reproducer a failing seed prints).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyStage, defineStage } from "../../src/dsl/stage.js";
import { type AnyWorkflow, defineWorkflow } from "../../src/dsl/workflow.js";
import type { InMemoryStore } from "../../src/in-memory/store.js";
import {
  hashUnit,
  type SimulationEnv,
  type SimulationOptions,
  simulate,
} from "../../src/testing/index.js";

const FILE = "test/testing/simulation-breakers.test.ts";
const SEEDS = 150;
const single = process.env.RATCHET_SIM_SEED;
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: SEEDS }, (_, i) => i + 1);

const any = z.any();
const BREAKER = { failureThreshold: 2, windowMs: 20_000, coolDownMs: 3_000 };
/** Over every seed, to show the seeds reach each transition. */
const reached = { deferred: 0, opened: 0, halfOpened: 0, closed: 0 };

function guardedWorkflows(env: SimulationEnv): AnyWorkflow[] {
  const stage = (id: string, breaker: string, rate: number): AnyStage =>
    defineStage({
      id,
      name: id,
      schemas: { input: any, output: any },
      retry: { maxAttempts: 3, intervalMs: 500 },
      breaker: { name: breaker, ...BREAKER },
      execute: (ctx) => {
        env.executions.push({
          workflowRunId: ctx.workflowRunId,
          stageId: id,
          attempt: ctx.attempt,
        });
        if (hashUnit(env.seed, ctx.workflowRunId, id, ctx.attempt) < rate)
          throw Object.assign(new Error(`${id} failed`), { code: "SIM_FAIL" });
        return { id };
      },
    });
  const io = { input: any, output: any };
  return [
    defineWorkflow({ id: "guarded-seq", name: "guarded-seq", ...io })
      .pipe(stage("a", "api-1", 0.4))
      .pipe(stage("b", "api-2", 0.5))
      .build(),
    defineWorkflow({ id: "guarded-par", name: "guarded-par", ...io })
      .parallel([stage("x", "api-1", 0.5), stage("y", "api-2", 0.3), stage("z", "api-1", 0.3)])
      .build(),
  ];
}

const GUARDED: Record<string, string> = {
  a: "api-1",
  x: "api-1",
  z: "api-1",
  b: "api-2",
  y: "api-2",
};

/** What the store holds must agree with the breakers' rows (see the module comment). */
function checkBreakers(store: InMemoryStore, seed: number): void {
  const events = [...store.outbox.values()];
  const failures = new Map<string, Set<number>>();
  for (const e of events) {
    const stageId = e.payload.stageId;
    if (typeof stageId !== "string") continue;
    const name = GUARDED[stageId];
    if (e.type === "workflow.step.retry" || e.type === "workflow.step.failed") {
      if (!name) continue;
      const set = failures.get(name) ?? new Set<number>();
      set.add(e.occurredAt.getTime());
      failures.set(name, set);
    }
    if (e.type === "workflow.step.deferred") reached.deferred++;
    if (e.type.startsWith("circuit.")) {
      expect(e.payload.breaker, `seed ${seed}: ${e.type} of ${stageId}`).toBe(name);
      if (e.type === "circuit.opened") reached.opened++;
      if (e.type === "circuit.half_opened") reached.halfOpened++;
      if (e.type === "circuit.closed") reached.closed++;
    }
  }
  for (const breaker of store.breakers.values()) {
    const committed = failures.get(breaker.name) ?? new Set<number>();
    for (const at of breaker.failures)
      expect(
        committed.has(at.getTime()),
        `seed ${seed}: breaker ${breaker.name} counts a failure at ${at.toISOString()} no committed attempt made (RATCHET_SIM_SEED=${seed} npx vitest run ${FILE})`,
      ).toBe(true);
    expect(breaker.failures.length).toBeLessThanOrEqual(BREAKER.failureThreshold);
  }
}

function optionsFor(seed: number, capture: (store: InMemoryStore) => void): SimulationOptions {
  return {
    seed,
    workflows: guardedWorkflows,
    workers: 2 + (seed % 3),
    runs: 4 + (seed % 5),
    steps: 80 + (seed % 5) * 10,
    wrapPorts: (ports, store) => {
      capture(store);
      return ports;
    },
    reproduce: (s) => `RATCHET_SIM_SEED=${s} npx vitest run ${FILE}`,
  };
}

describe("simulation: circuit breakers under crashes", () => {
  it(`${seeds.length} seed(s): every run ends, breakers count only committed failures`, {
    timeout: 600_000,
  }, async () => {
    for (const seed of seeds) {
      let store: InMemoryStore | undefined;
      await simulate(
        optionsFor(seed, (s) => {
          store = s;
        }),
      );
      if (store) checkBreakers(store, seed);
    }
    if (single === undefined) {
      expect(reached.opened).toBeGreaterThan(50);
      expect(reached.deferred).toBeGreaterThan(50);
      expect(reached.halfOpened).toBeGreaterThan(10);
      expect(reached.closed).toBeGreaterThan(10);
    }
  });
});
