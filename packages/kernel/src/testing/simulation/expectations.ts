/**
 * Judged expectations: a value the model cannot compute from a run's input alone, because it
 * depends on what reached the run from outside — which signal came first, whether a time-out
 * beat it, what a child run ended with — so the model judges the value the run committed
 * against what the simulation did and the store holds, instead of computing it.
 */
import type { InMemoryStore, StageRow } from "../../in-memory/store.js";
import type { RunRecord } from "../../records.js";

/** What a judged expectation looks at besides the value itself. */
export interface JudgeContext {
  /** The run the value belongs to. */
  run: RunRecord;
  /** The stage record whose output is judged (absent when the run's output is). */
  stage?: StageRow;
  store: InMemoryStore;
}

const JUDGED: unique symbol = Symbol("ratchet.simulation.judged");

/** An expected value the model judges rather than computes (see the file's comment). */
export interface Judged {
  readonly [JUDGED]: true;
  /** Why `actual` (as stored) is wrong; `undefined` when it is right. */
  judge(actual: unknown, context: JudgeContext): string | undefined;
}

/**
 * An expectation judged by `judge`.
 *
 * @example
 * ```ts
 * stages.set("reply", { input: ask, output: judged((actual) => (actual ? undefined : "no output")) });
 * ```
 */
export function judged(
  judge: (actual: unknown, context: JudgeContext) => string | undefined,
): Judged {
  return { [JUDGED]: true, judge };
}

/** Whether an expected value is {@link Judged}. */
export function isJudged(value: unknown): value is Judged {
  return typeof value === "object" && value !== null && (value as Judged)[JUDGED] === true;
}
