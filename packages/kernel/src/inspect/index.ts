/**
 * The read side for people: a run's live state, attempts, timeline and what it waits for
 * (`inspectRun`, `loadRunInspection`, `explainRun`).
 */
export { type Explanation, type ExplanationFacts, explainRun } from "./explain.js";
export { inspectRun } from "./inspect-run.js";
export { loadRunInspection } from "./load.js";
export type {
  AttemptView,
  BreakerWaitView,
  ChildView,
  ConcurrencyView,
  DeadLetterView,
  InspectInput,
  LeaseView,
  RunInspection,
  StageState,
  StageView,
  TimelineEntry,
} from "./types.js";
