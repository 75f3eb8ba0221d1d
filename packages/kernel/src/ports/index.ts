export type * from "./blob-store.js";
export type * from "./clock.js";
export { systemClock } from "./clock.js";
export type * from "./event-sink.js";
export type * from "./job-publisher.js";
export { publishDelaySeconds, readyWorkMessage } from "./job-publisher.js";
export type * from "./job-transport.js";
export { afterStarts, nextStartAt, startRoom } from "./persistence/flow-limits.js";
export type * from "./persistence/index.js";
export type * from "./run-ends.js";
export type * from "./run-queries.js";
export {
  DEFAULT_RUN_PAGE_SIZE,
  decodeRunCursor,
  encodeRunCursor,
  MAX_RUN_PAGE_SIZE,
  runPageSize,
  runStatusFilter,
} from "./run-queries.js";
export type * from "./run-starter.js";
export type * from "./scheduler.js";
export type * from "./stage-committer.js";
export type * from "./transaction.js";
