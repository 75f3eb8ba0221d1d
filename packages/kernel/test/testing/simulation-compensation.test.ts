/**
 * The simulation, on workflows with compensations (sagas): a sequence whose last stages often
 * fail and a parallel group, their compensations failing now and then too, under every fault
 * (crashes inside and after commits, duplicate and stale deliveries, lease expiry, clock
 * jumps and skews, cancels). The `compensation-wrong` invariant checks each run after every
 * step: a failed run compensated each completed compensable stage exactly once, newest
 * completion first, and ended as its records say. Two known-bad kernels must be caught by it:
 * one that never compensates, and one that compensates oldest completion first.
 *
 * RATCHET_SIM_SEED=<n> runs one seed (the reproducer a failing seed prints).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyStage, defineStage } from "../../src/dsl/stage.js";
import { type AnyWorkflow, defineWorkflow } from "../../src/dsl/workflow.js";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import {
  hashUnit,
  type SimulationEnv,
  SimulationFailure,
  type SimulationOptions,
  type SimulationPorts,
  simulate,
} from "../../src/testing/index.js";
import { override } from "../helpers.js";

const FILE = "test/testing/simulation-compensation.test.ts";
const SEEDS = 300;
const single = process.env.RATCHET_SIM_SEED;
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: SEEDS }, (_, i) => i + 1);

const any = z.any();
/** Compensation bodies run, over every seed (to show the seeds reach them). */
const reached = { compensations: 0, failedCompensations: 0 };

function sagaWorkflows(env: SimulationEnv): AnyWorkflow[] {
  const stage = (id: string, rate: number): AnyStage =>
    defineStage({
      id,
      name: id,
      schemas: { input: any, output: any },
      retry: { maxAttempts: 2, intervalMs: 1_000 },
      compensateRetry: { maxAttempts: 3, intervalMs: 500 },
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
      compensate: (ctx) => {
        reached.compensations++;
        if (hashUnit(env.seed, ctx.workflowRunId, `undo:${id}`, ctx.attempt) < 0.25) {
          reached.failedCompensations++;
          throw new Error(`undo of ${id} failed`);
        }
      },
    });
  const io = { input: any, output: any };
  return [
    defineWorkflow({ id: "saga-seq", name: "saga-seq", ...io })
      .pipe(stage("a", 0.1))
      .pipe(stage("b", 0.2))
      .pipe(stage("c", 0.3))
      .pipe(stage("d", 0.7))
      .build(),
    defineWorkflow({ id: "saga-par", name: "saga-par", ...io })
      .pipe(stage("p", 0.1))
      .parallel([stage("x", 0.3), stage("y", 0.3), stage("z", 0.3)])
      .pipe(stage("q", 0.6))
      .build(),
  ];
}

function optionsFor(seed: number, mutant?: string): SimulationOptions {
  return {
    seed,
    workflows: sagaWorkflows,
    workers: 2 + (seed % 3),
    runs: 4 + (seed % 4),
    steps: 80 + (seed % 5) * 10,
    // More cancels than the default, so cancelled runs compensate too.
    faults: { cancel: 0.03 },
    reproduce: (s) =>
      `${mutant ? `RATCHET_SIM_MUTANT=${mutant} ` : ""}RATCHET_SIM_SEED=${s} npx vitest run ${FILE}`,
  };
}

/** Known-bad: the workers' definitions lose their compensations (the checks keep them). */
const neverCompensates = (workflows: readonly AnyWorkflow[]) =>
  workflows.map((w) => {
    const bare = (stage: AnyStage): AnyStage => {
      const { compensation: _dropped, ...rest } = stage;
      return rest as AnyStage;
    };
    return Object.create(w, {
      groups: { value: w.groups.map((g) => g.map(bare)), enumerable: true },
      getStage: {
        value: (stageId: string) => {
          const entry = w.getStage(stageId);
          return entry && { ...entry, stage: bare(entry.stage) };
        },
      },
    }) as AnyWorkflow;
  });

/**
 * Known-bad: the kernel sees every stage's completion time negated inside its transactions, so
 * it plans compensations oldest completion first (the checks read the store as it is).
 */
const oldestFirst = (ports: SimulationPorts): SimulationPorts => {
  const { persistence } = ports;
  const wrap = (tx: PersistenceTransaction) =>
    override(tx, {
      listStages: async (runId) =>
        (await tx.listStages(runId)).map((r) =>
          r.completedAt ? { ...r, completedAt: new Date(-r.completedAt.getTime()) } : r,
        ),
    });
  return {
    ...ports,
    persistence: override(persistence, {
      withTransaction: (fn) => persistence.withTransaction((tx) => fn(wrap(tx))),
    }),
  };
};

async function firstFailure(
  options: (seed: number) => SimulationOptions,
): Promise<SimulationFailure | undefined> {
  for (const seed of seeds) {
    const failure = await simulate(options(seed)).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof SimulationFailure) return error;
        throw error;
      },
    );
    if (failure) return failure;
  }
  return undefined;
}

describe("simulation: compensation under crashes", () => {
  it(`${seeds.length} seed(s): every compensation commits once, newest first`, {
    timeout: 600_000,
  }, async () => {
    for (const seed of seeds) await simulate(optionsFor(seed));
    if (single === undefined) {
      expect(reached.compensations).toBeGreaterThan(100);
      expect(reached.failedCompensations).toBeGreaterThan(10);
    }
  });

  it("catches a kernel that never compensates", { timeout: 600_000 }, async () => {
    const failure = await firstFailure((seed) => ({
      ...optionsFor(seed, "never-compensates"),
      wrapWorkflows: neverCompensates,
    }));
    expect(failure?.invariant).toBe("compensation-wrong");
  });

  it("catches a kernel that compensates oldest first", { timeout: 600_000 }, async () => {
    const failure = await firstFailure((seed) => ({
      ...optionsFor(seed, "oldest-first"),
      wrapPorts: oldestFirst,
    }));
    expect(failure?.invariant).toBe("compensation-wrong");
  });
});
