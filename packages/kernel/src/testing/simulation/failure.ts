/** The error a failed simulation throws: the broken invariant, where, and how to replay it. */
import type { InvariantName } from "./violations.js";

/** What {@link SimulationFailure} carries besides its message. */
export interface SimulationFailureDetails {
  seed: number;
  invariant: InvariantName;
  detail: string;
  /** The step it broke at (fault steps first, then quiescent rounds after them). */
  step: number;
  /** One line that replays the seed. */
  reproducer: string;
  /** The last actions before it broke, oldest first. */
  trace: readonly string[];
}

/**
 * Thrown by `simulate` when an invariant breaks. The message holds the invariant, the step, a
 * one-line reproducer and the tail of the trace.
 */
export class SimulationFailure extends Error {
  /** The seed that broke it. */
  readonly seed: number;
  /** The broken invariant. */
  readonly invariant: InvariantName;
  /** The step it broke at. */
  readonly step: number;
  /** One line that replays the seed. */
  readonly reproducer: string;
  /** The last actions before it broke. */
  readonly trace: readonly string[];

  /** A failure described by `details`. */
  constructor(details: SimulationFailureDetails) {
    super(
      [
        `[ratchet] [simulation] invariant "${details.invariant}" broken at step ${details.step} (seed ${details.seed}): ${details.detail}`,
        `  reproduce: ${details.reproducer}`,
        `  last ${details.trace.length} actions:`,
        ...details.trace.map((line) => `    ${line}`),
      ].join("\n"),
    );
    this.name = "SimulationFailure";
    this.seed = details.seed;
    this.invariant = details.invariant;
    this.step = details.step;
    this.reproducer = details.reproducer;
    this.trace = details.trace;
  }
}
