/**
 * The simulation's self-check: known-bad kernels, each built from wrappers (no hook in the
 * kernel's own code) — five of the engine's core, four of signals and child runs — and the
 * simulation alone must catch every one — a `SimulationFailure` naming the expected invariant —
 * within the CI seed count (the seeds and options of simulation.test.ts), stopping at the first
 * failing seed.
 *
 * RATCHET_SIM_MUTANT=retries-disabled runs one of them; the failing seed's reproducer is
 * `RATCHET_SIM_MUTANT=<name> RATCHET_SIM_SEED=<seed> npx vitest run <this file>`.
 */
import { describe, expect, it } from "vitest";
import type { AnyStage } from "../../src/dsl/stage.js";
import type { AnyWorkflow } from "../../src/dsl/workflow.js";
import { signalMatchGroup } from "../../src/in-memory/store.js";
import { createKernel, type Kernel, type KernelConfig } from "../../src/kernel.js";
import type { JobTransport } from "../../src/ports/job-transport.js";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import type { JobRecord, SignalRecord } from "../../src/records.js";
import {
  type InMemoryStore,
  type InvariantName,
  SimulationFailure,
  type SimulationOptions,
  type SimulationPorts,
  simulate,
} from "../../src/testing/index.js";
import { override } from "../helpers.js";

const FILE = "test/testing/simulation-mutations.test.ts";
/** The CI suite's seed count: each mutant must be caught within it. */
const SEEDS = 1_500;
const single = process.env.RATCHET_SIM_SEED;
const only = process.env.RATCHET_SIM_MUTANT;

/** The options of a seed, as simulation.test.ts gives them. */
function optionsFor(seed: number, mutant: string): SimulationOptions {
  return {
    seed,
    workers: 2 + (seed % 3),
    runs: 4 + (seed % 4),
    steps: 80 + (seed % 5) * 10,
    reproduce: (s) => `RATCHET_SIM_MUTANT=${mutant} RATCHET_SIM_SEED=${s} npx vitest run ${FILE}`,
  };
}

/** `target` with the listed members replaced; the rest are read through to it (frozen or not). */
function reshaped<T extends object>(target: T, members: Partial<T>): T {
  const own: PropertyDescriptorMap = {};
  for (const [key, value] of Object.entries(members)) own[key] = { value, enumerable: true };
  return Object.create(target, own) as T;
}

/** (a) Retries disabled: every stage gets one attempt, whatever its policy says. */
const retriesDisabled = (workflows: readonly AnyWorkflow[]) =>
  workflows.map((w) =>
    reshaped(w, { retryOf: (stageId: string) => ({ ...w.retryOf(stageId), maxAttempts: 1 }) }),
  );

/** (b) Every stage is fed the run's input instead of its predecessors' output. */
const runInputEverywhere = (workflows: readonly AnyWorkflow[]) =>
  workflows.map((w) => {
    const fed = new Map<AnyStage, AnyStage>();
    const feed = (stage: AnyStage): AnyStage => {
      let wrapped = fed.get(stage);
      if (!wrapped) {
        wrapped = reshaped(stage, {
          execute: (ctx: Parameters<AnyStage["execute"]>[0]) => {
            ctx.input = ctx.workflowInput;
            return stage.execute(ctx);
          },
        });
        fed.set(stage, wrapped);
      }
      return wrapped;
    };
    return reshaped(w, {
      groups: w.groups.map((group) => group.map(feed)),
      getStage: (stageId: string) => {
        const entry = w.getStage(stageId);
        return entry && { ...entry, stage: feed(entry.stage) };
      },
    });
  });

/** (c) The reaper takes live leases: every running job counts as stale. */
const stealingReaper = (ports: SimulationPorts, store: InMemoryStore): SimulationPorts => ({
  ...ports,
  jobTransport: override(ports.jobTransport, {
    releaseStaleLeases: (now, limit, scope) => {
      const expired = new Date(now.getTime() - 1);
      return store
        .execute(store.transactionOf(scope), (tx) => {
          for (const id of [...store.runningJobs.values]) {
            const row = store.jobs.get(id);
            if (row) store.jobs.replace(tx, id, row, { ...row, lockedUntil: expired });
          }
        })
        .then(() => ports.jobTransport.releaseStaleLeases(now, limit, scope));
    },
  }),
});

/**
 * (d) `job.execute` re-runs a redelivered attempt whose failure is committed: the run's stage
 * records reach it without the failure (as if it never looked), so it runs the attempt again.
 */
const rerunsEndedAttempts = (ports: SimulationPorts): SimulationPorts => {
  const { persistence } = ports;
  return {
    ...ports,
    persistence: override(persistence, {
      getRunWithStages: async (runId) => {
        const loaded = await persistence.getRunWithStages?.(runId);
        if (!loaded) return loaded ?? null;
        const stages = loaded.stages.map((s) =>
          s.status === "PENDING" ? { ...s, error: null } : s,
        );
        return { ...loaded, stages };
      },
    }),
  };
};

/**
 * (e) `run.transition` reads the run's live jobs before taking its lock, without the
 * transaction's scope (the version before the fix): the read goes through the worker's own
 * ports, where the command may pause before its transaction, and the transition then decides
 * from that list under the lock.
 */
function staleReadTransitions(config: KernelConfig): Kernel {
  const kernel = createKernel(config);
  const early = new Map<string, JobRecord[]>();
  const transport: JobTransport = override(config.jobTransport, {
    activeJobsForRun: (runId, scope) =>
      early.get(runId) !== undefined
        ? Promise.resolve(early.get(runId) as JobRecord[])
        : config.jobTransport.activeJobsForRun(runId, scope),
  });
  const transitions = createKernel({ ...config, jobTransport: transport });
  return {
    ...kernel,
    dispatch: (async (command) => {
      if (command.type !== "run.transition") return kernel.dispatch(command);
      const runId = command.workflowRunId;
      early.set(runId, await config.jobTransport.activeJobsForRun(runId));
      try {
        return await transitions.dispatch(command);
      } finally {
        early.delete(runId);
      }
    }) as Kernel["dispatch"],
  };
}

/** The ports with every transaction's calls going through `wrap(tx)`. */
function throughTransactions(
  ports: SimulationPorts,
  wrap: (tx: PersistenceTransaction) => PersistenceTransaction,
): SimulationPorts {
  const { persistence } = ports;
  return {
    ...ports,
    persistence: override(persistence, {
      withTransaction: (fn) => persistence.withTransaction((tx) => fn(wrap(tx))),
    }),
  };
}

/**
 * (f) A wait takes the oldest buffered signal without marking it consumed (as if the store's
 * take were a plain read): the same signal can be taken again.
 */
const bufferedSignalKept = (ports: SimulationPorts, store: InMemoryStore): SimulationPorts =>
  throughTransactions(ports, (tx) =>
    override(tx, {
      takeBufferedSignal: async (match) => {
        const [oldest] = [...store.bufferedSignals.keysOf(signalMatchGroup(match))]
          .map((id) => store.signals.get(id) as SignalRecord)
          .sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime() || (a.id < b.id ? -1 : 1));
        return oldest ? { ...oldest } : null;
      },
    }),
  );

/** (g) Cancelling (or failing) a parent schedules no cancellation of the children it waits for. */
const childrenNotCancelled = (ports: SimulationPorts): SimulationPorts => ({
  ...ports,
  scheduler: override(ports.scheduler, {
    schedule: (request, scope) =>
      request.type === "run.cancel" && request.correlationId.endsWith(":parent-ended")
        ? Promise.resolve()
        : ports.scheduler.schedule(request, scope),
  }),
});

/**
 * (h) A child run's end event forgets its parent, so the outbox never delivers the end to it
 * (the kernel's own transactional committer, so every event goes through a transaction).
 */
const childEndForgetsParent = (ports: SimulationPorts): SimulationPorts =>
  throughTransactions(ports, (tx) =>
    override(tx, {
      appendOutboxEvents: (events) =>
        tx.appendOutboxEvents(
          events.map((event) => {
            if (event.payload.parentRunId === undefined || event.type === "workflow.created")
              return event;
            const { parentRunId: _parent, ...payload } = event.payload;
            return { ...event, payload };
          }),
        ),
    }),
  );

/**
 * (i) Delivering a signal (or timing a wait out) leaves the wait's row in place: the row's
 * delete reports success without deleting, so a time-out that read the wait before a signal
 * ended it still finds the row and overwrites the signal's resolution.
 */
const deliveryKeepsWait = (ports: SimulationPorts): SimulationPorts =>
  throughTransactions(ports, (tx) =>
    override(tx, {
      deleteSignalWait: async (stageRecordId) => (await tx.getSignalWait(stageRecordId)) !== null,
    }),
  );

interface Mutant {
  name: string;
  /** What it breaks. */
  what: string;
  /** The invariant that must catch it. */
  caughtBy: InvariantName;
  options: Partial<SimulationOptions>;
}

const MUTANTS: Mutant[] = [
  {
    name: "retries-disabled",
    what: "a kernel with retries disabled",
    caughtBy: "failure-unexplained",
    options: { wrapWorkflows: retriesDisabled },
  },
  {
    name: "run-input-everywhere",
    what: "a kernel that feeds every stage the run's input",
    caughtBy: "stage-input-wrong",
    options: { wrapWorkflows: runInputEverywhere },
  },
  {
    name: "stealing-reaper",
    what: "a reaper that releases live leases",
    caughtBy: "stage-executions-overlap",
    options: { wrapPorts: stealingReaper },
  },
  {
    name: "reruns-ended-attempts",
    what: "a job.execute that re-runs a redelivered attempt whose failure is committed",
    caughtBy: "ended-attempt-rerun",
    options: { wrapPorts: rerunsEndedAttempts },
  },
  {
    name: "stale-read-transition",
    what: "a run.transition that reads the live jobs before the run's lock",
    caughtBy: "stage-job-duplicated",
    options: { createKernel: staleReadTransitions },
  },
  {
    name: "buffered-signal-kept",
    what: "a wait that takes a buffered signal without consuming it",
    caughtBy: "signal-consumed-twice",
    options: { wrapPorts: bufferedSignalKept },
  },
  {
    name: "children-not-cancelled",
    what: "a parent that ends without cancelling the children it waits for",
    caughtBy: "child-orphaned",
    options: { wrapPorts: childrenNotCancelled },
  },
  {
    name: "child-end-forgets-parent",
    what: "a child run whose end event does not name its parent",
    caughtBy: "parent-missed-child",
    options: { wrapPorts: childEndForgetsParent, storeCommitter: false },
  },
  {
    name: "delivery-keeps-wait",
    what: "a signal delivery that leaves the wait's row in place",
    caughtBy: "signal-lost",
    options: { wrapPorts: deliveryKeepsWait },
  },
];

/** The first seed (of `seeds`) the simulation fails on with `mutant`, if any. */
async function firstFailure(
  mutant: Mutant,
  seeds: readonly number[],
): Promise<SimulationFailure | undefined> {
  for (const seed of seeds) {
    const failure = await simulate({ ...optionsFor(seed, mutant.name), ...mutant.options }).then(
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

describe("the simulation alone catches each known-bad kernel", () => {
  const seeds =
    single !== undefined ? [Number(single)] : Array.from({ length: SEEDS }, (_, i) => i + 1);
  for (const mutant of MUTANTS) {
    if (only !== undefined && only !== mutant.name) continue;
    it(`${mutant.name}: ${mutant.what} → ${mutant.caughtBy}`, async () => {
      const failure = await firstFailure(mutant, seeds);
      expect(failure, `${mutant.name} passed ${seeds.length} seed(s)`).toBeInstanceOf(
        SimulationFailure,
      );
      const caught = failure as SimulationFailure;
      console.log(`[mutation] ${mutant.name}: ${caught.message.split("\n")[0]}`);
      expect(caught.invariant, caught.message).toBe(mutant.caughtBy);
    }, 300_000);
  }
});
