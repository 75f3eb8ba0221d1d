/**
 * `@ratchet/kernel/testing`: in-memory adapters, a fake clock, a collecting event sink, a
 * deterministic driver, `createTestKernel()`, and the conformance suites adapters must pass.
 */

export * from "../in-memory/index.js";
export { CollectingEventSink } from "./collecting-event-sink.js";
export * from "./conformance/index.js";
export {
  type AdvanceableClock,
  createDriver,
  type DriveOptions,
  type Driver,
  type DriverConfig,
  type TickResult,
} from "./driver.js";
export {
  type ErrorCodeListOptions,
  errorCodeListTests,
  readSourceTree,
  type SourceText,
  type SourceTreeFs,
  scanCodeLiterals,
} from "./error-code-list.js";
export { FakeClock } from "./fake-clock.js";
export { inlineStageRunner } from "./inline-stage-runner.js";
export * from "./simulation/index.js";
export { createTestKernel, type TestKernel, type TestKernelOptions } from "./test-kernel.js";
