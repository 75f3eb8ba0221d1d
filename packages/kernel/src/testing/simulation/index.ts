/**
 * Deterministic simulation testing: `simulate` runs seeded interleavings of several workers
 * over one in-memory store, with injected faults, and checks the kernel's invariants — the
 * work's too, against a model computed without the kernel, and the consumption of signals and
 * the ends of child runs.
 */
export { SIMULATION_MAX_CLOCK_SKEW_MS, SIMULATION_STALE_LEASE_GRACE_MS } from "./clocks.js";
export { isJudged, type JudgeContext, type Judged, judged } from "./expectations.js";
export { SimulationFailure, type SimulationFailureDetails } from "./failure.js";
export { type CrashKind, SimulatedCrash, SimulatedDatabaseError } from "./faults.js";
export {
  InvariantChecker,
  type InvariantCheckerOptions,
  type InvariantName,
  type InvariantViolation,
} from "./invariants.js";
export {
  type ExpectedRun,
  type PlannedFailure,
  type SimulationModel,
  type SimulationModelOptions,
  simulationModel,
} from "./model.js";
export {
  DEFAULT_SIMULATION_FAULTS,
  type SimulationEnv,
  type SimulationFaults,
  type SimulationOptions,
  type SimulationPorts,
  type SimulationResult,
  type SimulationRunSpec,
  type SimulationWaitCounts,
} from "./options.js";
export { createPrng, hash32, hashUnit, type Prng } from "./prng.js";
export type { SimulationScheduleSpec } from "./schedules.js";
export { SignalLog, type SignalSend, type SignalSendOutcome } from "./signal-log.js";
export { simulate } from "./simulator.js";
export {
  type SimulationWorkflowOptions,
  type StageExecution,
  simulationWorkflows,
} from "./workflows.js";
