/**
 * Conformance suites: one shared vitest suite per storage port, which every adapter's test
 * file calls with a factory of fresh fixtures (and, ideally, backdoor readers that check what
 * was really stored).
 */
export {
  type BlobStoreBackdoor,
  type BlobStoreConformanceOptions,
  type BlobStoreFixture,
  blobStoreConformance,
} from "./blob-store.js";
export {
  type JobPublisherConformanceOptions,
  type JobPublisherFixture,
  jobPublisherConformance,
  type ReceivedJobMessage,
} from "./job-publisher.js";
export {
  type JobTransportBackdoor,
  type JobTransportConformanceOptions,
  type JobTransportFixture,
  jobTransportConformance,
} from "./job-transport.js";
export {
  type BackdoorIdempotencyKey,
  type BackdoorStage,
  type PersistenceBackdoor,
  type PersistenceConformanceOptions,
  type PersistenceFixture,
  persistenceConformance,
} from "./persistence.js";
export {
  type RunEndSourceConformanceOptions,
  type RunEndSourceFixture,
  runEndSourceConformance,
} from "./run-ends.js";
export {
  type RunQueriesConformanceOptions,
  type RunQueriesFixture,
  runQueriesConformance,
} from "./run-queries.js";
export {
  type SchedulerBackdoor,
  type SchedulerConformanceOptions,
  type SchedulerFixture,
  schedulerConformance,
} from "./scheduler.js";
export type { ConformanceFixture, ConformanceOptions } from "./shared.js";
export {
  type StageCommitterConformanceOptions,
  type StageCommitterFixture,
  stageCommitterConformance,
} from "./stage-committer.js";
export {
  type WorkflowConformanceOptions,
  type WorkflowFixture,
  type WorkflowPorts,
  workflowConformance,
} from "./workflows.js";
