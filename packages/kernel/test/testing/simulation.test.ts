/**
 * Deterministic simulation of the kernel: thousands of seeds of several workers over one
 * in-memory store, with crashes (between commands, inside them, after a commit), database
 * errors, slow commits, paused commands, duplicate and stale deliveries, lease expiry, clock
 * jumps, skewed host clocks (stepping back too), overlapping maintenance ticks, event-sink
 * outages and cancellations; signals sent before, during and after a run's wait, twice, to
 * ended runs and racing time-outs; child runs that fail and are retried, cancelled with their
 * parents, with crashes right after a child's end and right after its delivery to the parent.
 * Every invariant — the work's and the waits' included — is checked after every step.
 * simulation-mutations.test.ts checks that the invariants catch nine known-bad kernels.
 *
 * RATCHET_SIM_SEEDS=20000 runs more seeds; RATCHET_SIM_SEED=123 runs one (the reproducer a
 * failing seed prints); RATCHET_SIM_FIRST_SEED moves the range.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyStage, defineStage } from "../../src/dsl/stage.js";
import { type AnyWorkflow, defineWorkflow } from "../../src/dsl/workflow.js";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import {
  hashUnit,
  SimulationFailure,
  type SimulationOptions,
  type SimulationPorts,
  type SimulationResult,
  simulate,
} from "../../src/testing/index.js";
import { counterOf, simulatedStep } from "../../src/testing/simulation/model.js";
import { override } from "../helpers.js";

const FILE = "test/testing/simulation.test.ts";
const reproduce = (seed: number) => `RATCHET_SIM_SEED=${seed} npx vitest run ${FILE}`;

const single = process.env.RATCHET_SIM_SEED;
// 1 500 in CI: with signals and child runs a seed does about a third more than it did when the
// count was 2 000, and the suite's time stays what it was (RATCHET_LONG=1 runs 20 000).
const count = Number(
  process.env.RATCHET_SIM_SEEDS ?? (process.env.RATCHET_LONG === "1" ? 20_000 : 1_500),
);
const first = Number(process.env.RATCHET_SIM_FIRST_SEED ?? 1);
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, i) => first + i);

/** The options of a seed: the shape of the simulation varies with it, reproducibly. */
function optionsFor(seed: number): SimulationOptions {
  return {
    seed,
    workers: 2 + (seed % 3),
    runs: 4 + (seed % 4),
    steps: 80 + (seed % 5) * 10,
    reproduce,
  };
}

const totals = {
  seeds: 0,
  steps: 0,
  quiescentRounds: 0,
  commands: 0,
  executions: 0,
  crashes: 0,
  crashesBetween: 0,
  crashesInside: 0,
  crashesAfterCommit: 0,
  pauses: 0,
  duplicateDeliveries: 0,
  staleDeliveries: 0,
  clockJumps: 0,
  sinkFailures: 0,
  databaseErrors: 0,
  databaseErrorRejections: 0,
  slowCommits: 0,
  clockSkews: 0,
  clockStepsBack: 0,
  overlappingTicks: 0,
  signals: 0,
  timeoutRaces: 0,
  childRuns: 0,
  runs: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  ms: 0,
};

function add(result: SimulationResult): void {
  const f = result.faults;
  totals.seeds++;
  totals.steps += result.steps;
  totals.quiescentRounds += result.quiescentRounds;
  totals.commands += result.commands;
  totals.executions += result.executions;
  totals.crashesBetween += f.crashesBetween;
  totals.crashesInside += f.crashesInside;
  totals.crashesAfterCommit += f.crashesAfterCommit;
  totals.crashes += f.crashesBetween + f.crashesInside + f.crashesAfterCommit;
  totals.pauses += f.pauses;
  totals.duplicateDeliveries += f.duplicateDeliveries;
  totals.staleDeliveries += f.staleDeliveries;
  totals.clockJumps += f.clockJumps;
  totals.sinkFailures += f.sinkFailures;
  totals.databaseErrors += f.databaseErrors;
  totals.databaseErrorRejections += f.databaseErrorRejections;
  totals.slowCommits += f.slowCommits;
  totals.clockSkews += f.clockSkews;
  totals.clockStepsBack += f.clockStepsBack;
  totals.overlappingTicks += f.overlappingTicks;
  totals.signals += result.waits.signalsSent;
  totals.timeoutRaces += result.waits.timeoutRaces;
  totals.childRuns += result.waits.childRuns;
  totals.runs += result.runs.total;
  totals.completed += result.runs.completed;
  totals.failed += result.runs.failed;
  totals.cancelled += result.runs.cancelled;
}

afterAll(() => {
  if (totals.seeds === 0) return;
  console.log(`[simulation] ${JSON.stringify({ ...totals, ms: Math.round(totals.ms) })}`);
});

const CHUNK = 250;
const chunks: number[][] = [];
for (let i = 0; i < seeds.length; i += CHUNK) chunks.push(seeds.slice(i, i + CHUNK));

describe("deterministic simulation", () => {
  for (const chunk of chunks) {
    it(`seeds ${chunk[0]}–${chunk[chunk.length - 1]} keep every invariant`, async () => {
      const started = performance.now();
      for (const seed of chunk) add(await simulate(optionsFor(seed)));
      totals.ms += performance.now() - started;
    }, 300_000);
  }

  it("replays a seed exactly", async () => {
    const a = await simulate(optionsFor(4242));
    const b = await simulate(optionsFor(4242));
    expect(b).toEqual(a);
    expect(a.commands).toBeGreaterThan(50);
  });

  it("injects every kind of fault over a few seeds", async () => {
    const seen = {
      between: 0,
      inside: 0,
      afterCommit: 0,
      pauses: 0,
      dup: 0,
      stale: 0,
      sink: 0,
      database: 0,
      slow: 0,
      skew: 0,
      stepBack: 0,
      ticks: 0,
    };
    for (let seed = 1; seed <= 30; seed++) {
      const { faults } = await simulate(optionsFor(seed));
      seen.between += faults.crashesBetween;
      seen.inside += faults.crashesInside;
      seen.afterCommit += faults.crashesAfterCommit;
      seen.pauses += faults.pauses;
      seen.dup += faults.duplicateDeliveries;
      seen.stale += faults.staleDeliveries;
      seen.sink += faults.sinkFailures;
      seen.database += faults.databaseErrors;
      seen.slow += faults.slowCommits;
      seen.skew += faults.clockSkews;
      seen.stepBack += faults.clockStepsBack;
      seen.ticks += faults.overlappingTicks;
    }
    for (const [kind, n] of Object.entries(seen)) expect(n, kind).toBeGreaterThan(0);
  });

  it("sends signals every way and starts child runs over a few seeds", async () => {
    const seen: Record<string, number> = {};
    for (let seed = 1; seed <= 40; seed++) {
      const { waits } = await simulate(optionsFor(seed));
      for (const [kind, n] of Object.entries(waits)) seen[kind] = (seen[kind] ?? 0) + n;
    }
    const every = [
      "signalsSent",
      "delivered",
      "buffered",
      "duplicates",
      "refusedEnded",
      "sameIdAgain",
      "sameContentAgain",
      "timeoutRaces",
      "childRuns",
    ];
    for (const kind of every) expect(seen[kind], kind).toBeGreaterThan(0);
  });

  it("crashes parents and children independently around a child's end", async () => {
    // Mostly parents: a worker dies right after a child's end commits (before the outbox tells
    // the parent), or right after the end reaches the parent (before it is resumed).
    let childEndCrashes = 0;
    let deliveryCrashes = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const result = await simulate({
        ...optionsFor(seed),
        steps: 120,
        runs: [0, 1, 2, 3, 4].map((n) => ({
          workflowId: n < 4 ? "sim-parent" : "sim-signal-timeout",
          input: { n },
        })),
      });
      childEndCrashes += result.waits.childEndCrashes;
      deliveryCrashes += result.waits.deliveryCrashes;
      expect(result.runs.completed + result.runs.failed + result.runs.cancelled).toBe(
        result.runs.total,
      );
    }
    expect(childEndCrashes).toBeGreaterThan(0);
    expect(deliveryCrashes).toBeGreaterThan(0);
  });

  it("with partial registries no run fails for routing and no worker is handed another's job", async () => {
    let runs = 0;
    for (let seed = 2; seed <= 40; seed += 2) {
      // Even seeds default to full registries: switched on here.
      const result = await simulate({ ...optionsFor(seed), partialRegistries: true });
      expect(result.runs.completed + result.runs.failed + result.runs.cancelled).toBe(
        result.runs.total,
      );
      runs += result.runs.total;
    }
    expect(runs).toBeGreaterThan(0);
  });

  it("simulates a user's own workflow (factory with deterministic flaky stages)", async () => {
    const result = await simulate({
      seed: 7,
      runs: 5,
      input: (_workflowId, index) => ({ orderId: `o-${index}` }),
      workflows: ({ seed }) => {
        const order = z.object({ orderId: z.string() });
        const step = (id: string) =>
          defineStage({
            id,
            name: id,
            schemas: { input: order, output: order },
            execute: (ctx) => {
              if (hashUnit(seed, ctx.workflowRunId, id, ctx.attempt) < 0.3)
                throw new Error("flaky");
              return ctx.input;
            },
          });
        return [
          defineWorkflow({ id: "orders", name: "Orders", input: order, output: order })
            .pipe(step("reserve"))
            .parallel([step("charge"), step("email")])
            .pipe(
              defineStage({
                id: "ship",
                name: "ship",
                schemas: { input: z.any(), output: order },
                execute: (ctx) => (ctx.input as { charge: { orderId: string } }).charge,
              }),
            )
            .build(),
        ];
      },
    });
    expect(result.runs.total).toBe(5);
    expect(result.runs.completed + result.runs.failed + result.runs.cancelled).toBe(5);
  });
});

/** A persistence whose transactions run through `wrap(tx)`. */
function wrapTransactions(
  ports: SimulationPorts,
  wrap: (tx: PersistenceTransaction) => PersistenceTransaction,
): SimulationPorts {
  const { persistence } = ports;
  return {
    ...ports,
    persistence: new Proxy(persistence, {
      get(target, property, receiver) {
        if (property === "withTransaction") {
          return <T>(fn: (tx: PersistenceTransaction) => Promise<T>) =>
            target.withTransaction((tx) => fn(wrap(tx)));
        }
        return Reflect.get(target, property, receiver);
      },
    }),
  };
}

describe("the invariant checker has teeth", () => {
  it("catches a job transport that hands jobs to workers without their workflow", async () => {
    // dequeue forgets the worker's routes: any worker may be handed any job.
    const unrouted = (ports: SimulationPorts): SimulationPorts => ({
      ...ports,
      jobTransport: override(ports.jobTransport, {
        dequeue: ({ routes: _routes, ...options }) => ports.jobTransport.dequeue(options),
      }),
    });
    let failure: SimulationFailure | undefined;
    for (let seed = 1; seed <= 40 && !failure; seed++) {
      await simulate({ ...optionsFor(seed), partialRegistries: true, wrapPorts: unrouted }).catch(
        (error: unknown) => {
          if (!(error instanceof SimulationFailure)) throw error;
          failure = error;
        },
      );
    }
    expect(failure?.invariant).toBe("routed-to-wrong-worker");
  });

  it("catches a store that changes a run's output as it completes it (wrong-output)", async () => {
    const tampered = (ports: SimulationPorts) =>
      wrapTransactions(ports, (tx) =>
        override(tx, {
          updateRun: (id, patch, options) =>
            tx.updateRun(
              id,
              patch.status === "COMPLETED"
                ? { ...patch, output: { n: -1, by: "tampered" } }
                : patch,
              options,
            ),
        }),
      );
    const failure = await simulate({ seed: 3, storeCommitter: false, wrapPorts: tampered }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SimulationFailure);
    expect((failure as SimulationFailure).invariant).toBe("wrong-output");
  });

  it("catches a kernel that completes a stage whose attempt threw (completed-failing-attempt)", async () => {
    // The stages' errors are swallowed: a failing attempt still returns its output.
    const swallowing = (workflows: readonly AnyWorkflow[]) =>
      workflows.map((w) => {
        const wrap = (stage: AnyStage): AnyStage =>
          Object.create(stage, {
            execute: {
              value: async (ctx: Parameters<AnyStage["execute"]>[0]) => {
                try {
                  return await stage.execute(ctx);
                } catch {
                  return simulatedStep(stage.id, counterOf(ctx.input));
                }
              },
            },
          });
        return Object.create(w, {
          groups: { value: w.groups.map((g) => g.map(wrap)) },
          getStage: {
            value: (id: string) => {
              const entry = w.getStage(id);
              return entry && { ...entry, stage: wrap(entry.stage) };
            },
          },
        }) as AnyWorkflow;
      });
    let failure: SimulationFailure | undefined;
    for (let seed = 1; seed <= 20 && !failure; seed++) {
      await simulate({ ...optionsFor(seed), wrapWorkflows: swallowing }).catch((error: unknown) => {
        if (!(error instanceof SimulationFailure)) throw error;
        failure = error;
      });
    }
    expect(failure?.invariant).toBe("completed-failing-attempt");
  });

  it("catches a store that drops an outbox event, with a one-line reproducer", async () => {
    const dropSecond = (ports: SimulationPorts) =>
      wrapTransactions(ports, (tx) =>
        override(tx, {
          appendOutboxEvents: (events) =>
            tx.appendOutboxEvents(events.filter((e) => e.sequence !== 2)),
        }),
      );
    const failure = await simulate({
      seed: 99,
      storeCommitter: false,
      wrapPorts: dropSecond,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SimulationFailure);
    const f = failure as SimulationFailure;
    expect(f.invariant).toBe("outbox-sequence-gap");
    // The default reproducer names the seed and the options that are plain data.
    expect(f.message).toContain("reproduce: simulate({ seed: 99, storeCommitter: false })");
    expect(f.message).toMatch(/broken at step \d+ \(seed 99\)/);
    expect(f.trace.length).toBeGreaterThan(0);
  });

  it("catches a store whose stage compare-and-set lets a second delivery commit again", async () => {
    // updateStage ignores its `expected` condition: a late duplicate overwrites a completed stage.
    const noCas = (ports: SimulationPorts) =>
      wrapTransactions(ports, (tx) =>
        override(tx, {
          updateStage: (id, patch, options) => tx.updateStage(id, patch, { now: options.now }),
        }),
      );
    let failure: SimulationFailure | undefined;
    for (let seed = 1; seed <= 300 && !failure; seed++) {
      await simulate({
        seed,
        storeCommitter: false,
        wrapPorts: noCas,
        faults: { pause: 0.3, staleDelivery: 0.2 },
      }).catch((error: unknown) => {
        if (!(error instanceof SimulationFailure)) throw error;
        failure = error;
      });
    }
    expect(failure).toBeInstanceOf(SimulationFailure);
    expect(failure?.message).toContain(`reproduce: simulate({ seed: ${failure?.seed}, `);
    expect(failure?.message.split("\n")[0]).toContain(`invariant "${failure?.invariant}"`);
  });
});
