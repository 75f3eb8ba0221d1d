/**
 * Deterministic simulation testing: `simulate` runs seeded interleavings of several workers
 * over one in-memory store, with injected faults, and checks the kernel's invariants.
 */
export { SimulationFailure, type SimulationFailureDetails } from "./failure.js";
export { type CrashKind, SimulatedCrash } from "./faults.js";
export {
  InvariantChecker,
  type InvariantCheckerOptions,
  type InvariantName,
  type InvariantViolation,
} from "./invariants.js";
export {
  DEFAULT_SIMULATION_FAULTS,
  type SimulationEnv,
  type SimulationFaults,
  type SimulationOptions,
  type SimulationPorts,
  type SimulationResult,
  type SimulationRunSpec,
} from "./options.js";
export { createPrng, hash32, hashUnit, type Prng } from "./prng.js";
export { simulate } from "./simulator.js";
export {
  type SimulationWorkflowOptions,
  type StageExecution,
  simulationWorkflows,
} from "./workflows.js";
