/**
 * The workloads as pg-boss jobs on one queue: the payloads, and what running a job asks to be
 * written ({@link step}). Every pg-boss setting runs these same steps; the settings differ only
 * in how they fetch jobs and how they write the steps' effects.
 */
import type { ChainJob, FanJob, JoinJob, RunClock } from "../common.js";

/** The one queue every job goes to. */
export const QUEUE = "bench";

/** A job's payload: a W1/W3 chain stage, one of W2's ten parallel stages, or W2's join. */
export type BenchJob =
  | ({ kind: "chain" } & ChainJob)
  | ({ kind: "fan" } & FanJob)
  | ({ kind: "join" } & JoinJob);

/**
 * What one job's stage asks to be written: the next job of its run, the run's result (the last
 * stage), or its share of the W2 join counter (the stage's output, counted down on the run's row).
 */
export type Step =
  | { kind: "send"; job: BenchJob }
  | { kind: "result"; run: number; n: number }
  | { kind: "countDown"; run: number; n: number };

/** Run `i`'s first job (W1, W3). */
export const firstChainJob = (i: number): BenchJob => ({ kind: "chain", run: i, stage: 1, n: i });

/** Run `i`'s ten parallel jobs (W2). */
export const fanJobs = (i: number): BenchJob[] =>
  Array.from({ length: 10 }, (_, k) => ({ kind: "fan", run: i, i: k, n: i }));

/** The join job of a W2 run whose ten parallel stages added up to `total`. */
export const joinJob = (run: number, total: number): BenchJob => ({ kind: "join", run, n: total });

/**
 * Runs one job's stage — stage k returns its input + 1; the join returns the total — and says
 * what must be written. A first stage (a chain's stage 1, a W2 parallel stage) tells `clock` its
 * run has started. Async like every system's stage function, though trivial here.
 */
export async function step(job: BenchJob, clock: RunClock): Promise<Step> {
  if (job.kind === "fan" || (job.kind === "chain" && job.stage === 1)) clock.started(job.run);
  switch (job.kind) {
    case "chain":
      return job.stage < 3
        ? { kind: "send", job: { ...job, stage: job.stage + 1, n: job.n + 1 } }
        : { kind: "result", run: job.run, n: job.n + 1 };
    case "fan":
      return { kind: "countDown", run: job.run, n: job.n + 1 };
    case "join":
      return { kind: "result", run: job.run, n: job.n };
  }
}
