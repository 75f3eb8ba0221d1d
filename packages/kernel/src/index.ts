/**
 * `@ratchet/kernel`: Ratchet's pure command kernel. It runs in Node, AWS Lambda and
 * Cloudflare Workers alike; adapters and hosts plug into its ports.
 *
 * This entry is for workflow authors and host callers: the DSL, `createKernel`, the commands
 * and their results, errors, the duty list, records and the port types a kernel is wired
 * with. Adapter writers import `@ratchet/kernel/adapter`; tests, `@ratchet/kernel/testing`.
 */
export { decodeValue, encodeValue } from "./codec.js";
// Types by name: the .d.ts bundler would turn `export type *` into value exports.
export type {
  ApprovalDecideCommand,
  ApprovalDecideResult,
  ApprovalEscalateCommand,
  ApprovalEscalateResult,
  ApprovalsListCommand,
  ApprovalsListResult,
  Command,
  CommandMap,
  CommandResult,
  CommandType,
  DefinitionVersion,
  JobExecuteCommand,
  JobExecuteResult,
  JobHeartbeatCommand,
  JobHeartbeatResult,
  LeaseReapStaleCommand,
  LeaseReapStaleResult,
  OutboxFlushCommand,
  OutboxFlushResult,
  OutboxReplayDeadLettersCommand,
  OutboxReplayDeadLettersResult,
  PendingApproval,
  PluginReplayDlqCommand,
  RunCancelCommand,
  RunCancelResult,
  RunClaimPendingCommand,
  RunClaimPendingResult,
  RunCreateCommand,
  RunCreateResult,
  RunMigrateCommand,
  RunMigrateResult,
  RunReapStuckCommand,
  RunReapStuckResult,
  RunRerunFromCommand,
  RunRerunFromResult,
  RunRetryCommand,
  RunRetryResult,
  RunSignalCommand,
  RunSignalResult,
  RunsPurgeCommand,
  RunsPurgeResult,
  RunTimeoutCommand,
  RunTimeoutResult,
  RunTransitionCommand,
  RunTransitionResult,
  ScheduleFireDueCommand,
  ScheduleFireDueResult,
  SchedulesCreateCommand,
  SchedulesCreateResult,
  SchedulesDeleteCommand,
  SchedulesDeleteResult,
  SchedulesFireDueCommand,
  SchedulesFireDueResult,
  SchedulesListCommand,
  SchedulesListResult,
  SchedulesPauseCommand,
  SchedulesPauseResult,
  SchedulesResumeCommand,
  SchedulesUpdateCommand,
  SchedulesUpdateResult,
  ScheduleView,
  StagePollSuspendedCommand,
  StagePollSuspendedResult,
  StageResumeCommand,
  StageResumeResult,
  StageWakeCommand,
  StageWakeResult,
} from "./commands/index.js";
export {
  SCHEDULE_ID_METADATA,
  SCHEDULE_SLOT_METADATA,
  slotIdempotencyKey,
} from "./commands/schedules-fire-due.js";
export { upcomingFireTimes } from "./commands/schedules-list.js";
export {
  type BreakerOption,
  type BreakerSettings,
  DEFAULT_BREAKER_SETTINGS,
  type StageBreaker,
} from "./dsl/breaker.js";
export {
  type ChildStepOptions,
  childStep,
  type DetachedChild,
} from "./dsl/child-steps.js";
export type { CompensateFn, CompensationContext } from "./dsl/compensation.js";
export type * from "./dsl/context.js";
export {
  END,
  isRoute,
  isSleep,
  type LoopLimits,
  type Route,
  type RouteTarget,
  route,
  type Sleep,
  sleepFor,
} from "./dsl/flow.js";
export type {
  Debounce,
  FlowLimits,
  PriorityOf,
  RateLimit,
  Singleton,
  Throttle,
} from "./dsl/flow-limits.js";
export {
  type EndHookName,
  type HookContext,
  type HookFn,
  type WorkflowHooks,
  withHooks,
} from "./dsl/hooks.js";
export {
  type IsolationMode,
  type IsolationOption,
  resolveIsolation,
  type StageIsolation,
} from "./dsl/isolation.js";
export { type MapSettled, type MapStepOptions, mapStep } from "./dsl/map-step.js";
export { createRegistry, refOf, type WorkflowRegistry } from "./dsl/registry.js";
export {
  DEFAULT_RETRY,
  type ResolvedRetryPolicy,
  type RetryOverrides,
  retriesError,
  retryDelayMs,
  type StageRetryPolicy,
} from "./dsl/retry-policy.js";
export type { Incompatibility } from "./dsl/schema-compat.js";
export { findIncompatibilities } from "./dsl/schema-compat.js";
export {
  type ApprovalDecisionInput,
  type ApprovalResult,
  type ApprovalStepOptions,
  approvalDecisionSchema,
  approvalSignalName,
  approvalStep,
  type SignalResult,
  type WaitForSignalOptions,
  waitForSignalStep,
} from "./dsl/signal-steps.js";
export {
  type AnyStage,
  type AsyncBatchStageInput,
  type CompletionCheck,
  defineAsyncBatchStage,
  defineStage,
  type PollConfig,
  type Stage,
  type StageFlow,
  type StageInput,
  type StageOutput,
  type StageSchemas,
  type StepType,
  type SuspendResult,
} from "./dsl/stage.js";
export { StepWorkflowBuilder, workflow } from "./dsl/step-builder.js";
export { StepBranchBuilder } from "./dsl/step-builder-branch.js";
export type {
  StepBranch,
  StepChoice,
  StepChoiceOptions,
  StepLoopOptions,
  StepParallelOptions,
  StepPassOptions,
  StepPollContext,
  StepPollOptions,
  StepSleepOptions,
} from "./dsl/step-builder-options.js";
export { StepSequenceBuilder } from "./dsl/step-builder-sequence.js";
export type {
  StepFlowContext,
  TaskContext,
  TaskInputMapper,
  TaskOptions,
} from "./dsl/step-builder-task.js";
export {
  type ChoiceBranch,
  type ChoiceStepOptions,
  choiceStep,
  type LoopStepOptions,
  loopStep,
  type PassStepOptions,
  passStep,
  stepView,
} from "./dsl/steps.js";
export {
  compareVersions,
  DEFAULT_WORKFLOW_VERSION,
  type DefinitionRef,
  describeDefinition,
  isWorkflowVersion,
  type MigrateRun,
  type MigrationPlan,
  type MigrationSource,
  routeKey,
  type WorkflowMigration,
} from "./dsl/versioning.js";
export {
  type PollCheckContext,
  type PollCheckResult,
  type PollStepOptions,
  pollStep,
  type SleepStepOptions,
  sleepStep,
} from "./dsl/wait-steps.js";
export {
  type AnyWorkflow,
  type ConcurrencyLimit,
  defineWorkflow,
  type Workflow,
  WorkflowBuilder,
  type WorkflowDefinition,
} from "./dsl/workflow.js";
export {
  buildWorkflow,
  type GroupNext,
  type WorkflowGraphDefinition,
} from "./dsl/workflow-graph.js";
export { type Duration, durationMs, parseDuration } from "./duration.js";
export * from "./duties/index.js";
export { type ErrorCode, isErrorCode, KERNEL_ERROR_CODES } from "./error-codes.js";
export * from "./errors.js";
export { discardEvents, formatEventLine, logEvents } from "./event-sinks.js";
export * from "./inspect/index.js";
export { escapeMermaidLabel, workflowMermaid } from "./inspect/mermaid.js";
export type { IdGenerator } from "./internal/ids.js";
export { type IsolationChannel, runIsolatedStage, workflowsOf } from "./isolation/child.js";
export { fromIsolatedError } from "./isolation/errors.js";
export {
  type ChildMessage,
  ISOLATION_PROTOCOL,
  type IsolatedError,
  type IsolatedResult,
  type IsolatedTask,
  isIsolatedResult,
  type ParentMessage,
  type StorageOp,
  type StorageReply,
  toIsolatedError,
} from "./isolation/protocol.js";
export { createKernel, type Kernel, type KernelConfig } from "./kernel.js";
export { DEFAULT_KERNEL_OPTIONS, type KernelOptions } from "./options.js";
export { systemClock } from "./ports/clock.js";
export type {
  BlobStore,
  BreakerProbe,
  BreakerRecord,
  BreakerState,
  BreakerStore,
  BreakerWrite,
  ClaimDueOptions,
  ClaimLeaseOptions,
  ClaimPendingOptions,
  Clock,
  CommittedRunState,
  CompletionRunUpdate,
  DequeueOptions,
  EventSink,
  FailJobOptions,
  GroupClose,
  IdempotencyAcquireResult,
  IdempotencyStore,
  JobPublisher,
  JobRef,
  JobTransport,
  ListRunsQuery,
  LogStore,
  OutboxFailure,
  OutboxStore,
  PendingEvent,
  PendingRun,
  Persistence,
  PersistenceTransaction,
  PurgeRunsQuery,
  PurgeRunsResult,
  ReadyJob,
  ReadyWork,
  ReleaseStaleResult,
  RenewLeasesResult,
  RetentionStore,
  RouteStart,
  RunCursor,
  RunDetails,
  RunEndListener,
  RunEndSource,
  RunListQuery,
  RunPage,
  RunQueries,
  RunStarter,
  RunStartRequest,
  RunStore,
  ScheduleRequest,
  Scheduler,
  StageCommitter,
  StageCompletion,
  StageCompletionResult,
  StageExpectation,
  StageStore,
  StartedRun,
  StartRate,
  StartRateState,
  StartStage,
  TransactionScope,
  WorkflowEvent,
} from "./ports/index.js";
export { publishDelaySeconds, readyWorkMessage } from "./ports/job-publisher.js";
export type { StageRunner, StageRunRequest } from "./ports/stage-runner.js";
export * from "./records.js";
export {
  FINISHED_RUN_STATUSES,
  type FinishedRunStatus,
  isFinishedRunStatus,
  mergeRetention,
  type RetentionMs,
  type RetentionPolicy,
  retentionMs,
  retentionProblem,
} from "./retention.js";
export {
  type AwaitRunEndOptions,
  type AwaitRunOptions,
  awaitRunEnd,
  type EndedRunStatus,
  type RunAwaitPorts,
  type RunResult,
  runResultOf,
} from "./run-result.js";
export {
  type CronSchedule,
  compileCron,
  isTimezone,
  MAX_CRON_LENGTH,
  nextFireTimes,
} from "./schedules/cron.js";
export {
  BUFFER_RECHECK_MS,
  MAX_CATCH_UP_SLOTS,
  planSlots,
  SKIP_GRACE_MS,
  type SlotPlan,
} from "./schedules/slots.js";
export { type StageWait, stageWaitOf } from "./stage-wait.js";
