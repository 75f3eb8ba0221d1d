/**
 * Every error `code` the kernel package raises (as a {@link RatchetError}) or stores (as a
 * `StoredError` on a run, stage or job), as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/kernel`, each with when it happens.
 *
 * Not every stored `code` is one of these: a stage's own codes are stored as they are (the
 * `code` of an error stage code throws, of a `NonRetryableError`, of a poll check's error), and
 * the storage adapters and hosts have codes of their own (`PrismaErrorCode`, `HostErrorCode`,
 * …). Use {@link isErrorCode} to tell a kernel code from the rest.
 */
export const KERNEL_ERROR_CODES = [
  // Commands (kernel.dispatch) and their validation
  /** `dispatch` got a malformed command or one with an unknown `type`. */
  "INVALID_COMMAND",
  /** `createKernel` got an invalid option (e.g. `maxPayloadBytes` not above 0). */
  "INVALID_OPTIONS",
  /** A workflow is not registered (a command, or stored on a run or job this worker can't run). */
  "WORKFLOW_NOT_FOUND",
  /** A command names a run that does not exist; also stored on a job whose run is gone. */
  "RUN_NOT_FOUND",
  /** `awaitRunResult` gave up: the run had not ended when its `timeoutMs` passed. */
  "RUN_AWAIT_TIMEOUT",
  /** The workflow has no such stage (`run.rerunFrom`, or stored on a job for a stage it lacks). */
  "STAGE_NOT_FOUND",
  /** `run.retry` names a run that did not fail (or time out), or one with no stage to retry. */
  "RUN_NOT_FAILED",
  /** A run's input fails the workflow's input schema (`run.create`). */
  "INVALID_INPUT",
  /** A run's config fails a stage's config schema or names an unknown stage (`run.create`). */
  "INVALID_CONFIG",
  /** A run's or a stage's metadata has an invalid key, or a metadata value cannot be stored. */
  "INVALID_METADATA",
  /** The workflow's `concurrency.key` threw or did not return a string of allowed length. */
  "INVALID_CONCURRENCY_KEY",
  /** A value cannot be stored as JSON (BigInt, function, symbol, cycle, NaN, Infinity, …). */
  "UNSERIALIZABLE_VALUE",
  /** A run's input, config or metadata, or a stage's metadata value, is over `maxPayloadBytes`. */
  "PAYLOAD_TOO_LARGE",
  /** The run's state does not allow the command (e.g. cancelling a finished run). */
  "ILLEGAL_STATE_TRANSITION",
  /** Another `run.create` with the same idempotency key is still in progress. */
  "IDEMPOTENCY_KEY_IN_PROGRESS",
  /** A `run.create` reused an idempotency key with a different request (details: the first run). */
  "IDEMPOTENCY_KEY_CONFLICT",
  /**
   * A run's workflow definition (id, version, fingerprint) is not registered on this worker;
   * nothing changed, the run waits for a worker that has it.
   */
  "DEFINITION_UNAVAILABLE",
  /** Starting a run failed twice, alone in its claim: the run is failed so others can start. */
  "CLAIM_FAILED",
  /** `run.migrate` cannot move the run (the result's `reason` says why). */
  "MIGRATION_REFUSED",
  /** A write named a run version that is no longer current (`expectedVersion`, or a race). */
  "STALE_VERSION",
  /** A run-list query has a malformed `cursor` or a `limit` out of range. */
  "INVALID_QUERY",
  /** `stage.wake` came before the stage's sleep committed; the scheduler hands it out again. */
  "STAGE_NOT_ASLEEP",
  /** A cron expression croner cannot read, or one that never fires again (`schedules.create`). */
  "INVALID_CRON",
  /** A schedule's time zone is not an IANA time zone the platform knows (`schedules.create`). */
  "INVALID_TIMEZONE",
  /** A command names a schedule that does not exist. */
  "SCHEDULE_NOT_FOUND",
  /** `schedules.create` named a schedule id that is taken. */
  "SCHEDULE_EXISTS",

  // Workflow definitions (WorkflowDefinitionError, thrown while building or registering)
  /** A workflow id is not a valid id. */
  "INVALID_WORKFLOW_ID",
  /** A workflow has no stages. */
  "EMPTY_WORKFLOW",
  /** A workflow has an empty parallel group. */
  "EMPTY_PARALLEL_GROUP",
  /** A stage or step id is used twice in one workflow (branches included). */
  "DUPLICATE_STAGE_ID",
  /** Two registered workflows use the same id. */
  "DUPLICATE_WORKFLOW_ID",
  /** A stage's `next` names a stage that is not in the workflow. */
  "UNKNOWN_NEXT_STAGE",
  /** A control-flow step may route to a stage that is not in the workflow. */
  "UNKNOWN_ROUTE_TARGET",
  /** A control-flow step (choice, loop, …) is inside a parallel group. */
  "ROUTING_STAGE_IN_PARALLEL_GROUP",
  /** No path leads to a stage (an earlier step ends the run or jumps past it). */
  "UNREACHABLE_STAGE",
  /** A workflow's `timeout` is not a positive whole number of ms. */
  "INVALID_TIMEOUT",
  /** A workflow's `concurrency` lacks an integer `limit` >= 1, or its `key` is not a function. */
  "INVALID_CONCURRENCY",
  /** A workflow's `rateLimit`, `throttle` or `priority` is invalid (it names the field). */
  "INVALID_FLOW_LIMIT",
  /** A workflow's `priority` function threw or returned no integer from -1000000 to 1000000. */
  "INVALID_PRIORITY",
  /** A `singleton: { mode: "skip" }` workflow on a store without `activeRunOfKey`. */
  "SINGLETON_NOT_SUPPORTED",
  /** A workflow's `retention` has an unknown status or a duration that is not one (it names the field). */
  "INVALID_RETENTION",
  /** A retry policy has an invalid field (the error names it). */
  "INVALID_RETRY_POLICY",
  /** A stage's output schema does not fit the next stage's input (or the workflow's output). */
  "INCOMPATIBLE_SCHEMAS",
  /** A workflow's `version` is not a valid version string. */
  "INVALID_WORKFLOW_VERSION",
  /** A declared migration is not from an older version, is declared twice, or is not a function. */
  "INVALID_MIGRATION",
  /** A stage or step id is not a valid id. */
  "INVALID_STAGE_ID",
  /** A step's options are invalid (a missing function, a bad number, a bad branch list, …). */
  "INVALID_STEP",
  /** A stage's circuit `breaker` option is invalid (its name, or a setting out of range). */
  "INVALID_BREAKER",
  /** A parallel branch holds a step other than a task or pass, or one that sets `next`/`end`. */
  "INVALID_BRANCH_STEP",
  /** A parallel branch has no steps. */
  "EMPTY_BRANCH",
  /** A stage's, task's or workflow's `events` is not zod schemas by valid event names. */
  "INVALID_EVENTS",
  /** A stage's, task's or workflow's `isolation` / `.isolated()` option is invalid. */
  "INVALID_ISOLATION",

  // Stage execution: thrown into or by stage code, stored on the stage and the run
  /** Default code of a `NonRetryableError` thrown by stage code without its own code. */
  "NON_RETRYABLE",
  /** Stored when stage code throws something that is not an error with a string `code`. */
  "STAGE_ERROR",
  /** A stage's input fails its input schema; the stage fails without retries. */
  "STAGE_INPUT_INVALID",
  /** A stage's output fails its output schema; the stage fails without retries. */
  "STAGE_OUTPUT_INVALID",
  /** `ctx.require` asked for the output of a stage that has not completed before this one. */
  "STAGE_OUTPUT_MISSING",
  /** An isolated stage ran on a kernel without a `stageRunner` (not retried). */
  "ISOLATION_UNAVAILABLE",
  /** The module an isolated stage's child imported exports no such workflow version or stage. */
  "ISOLATED_STAGE_NOT_FOUND",
  /** The child's definition is not the run's (another fingerprint) or speaks another protocol. */
  "ISOLATED_STAGE_MISMATCH",
  /** A stage's storage key is invalid (a leading "/", or "." or ".." segments). */
  "INVALID_STORAGE_KEY",
  /** `ctx.emit` named an event neither the stage nor its workflow declares (not retried). */
  "UNKNOWN_EVENT",
  /** `ctx.emit` got a payload its event's schema refuses, or one that cannot be stored (not retried). */
  "INVALID_EVENT_PAYLOAD",
  /** A stage suspended without a positive `pollConfig.pollIntervalMs`. */
  "INVALID_POLL_CONFIG",
  /** A stage's abort signal fired with a reason that is not a `RatchetError`. */
  "STAGE_ABORTED",
  /** Abort reason of a running stage whose worker no longer holds the job's lease (heartbeat). */
  "LEASE_LOST",
  /** Abort reason of a running stage whose run was cancelled or has ended. */
  "RUN_CANCELLED",
  /** Abort reason of a running stage whose run passed its workflow's timeout. */
  "RUN_TIMED_OUT",
  /** `lease.reapStale`: the stage lost its worker (lease expired) on every one of its attempts. */
  "MAX_ATTEMPTS_EXCEEDED",
  /** A suspended stage was not done within `pollConfig.maxWaitMs` (and set no `maxWaitCode`). */
  "SUSPEND_TIMEOUT",
  /** A suspended stage's check reported an error without a code of its own. */
  "ASYNC_BATCH_FAILED",

  // Steps of the workflow DSL
  /** A choice step: no condition held and there is no default. */
  "NO_CHOICE_MATCHED",
  /** A loop would start an iteration past its `maxIterations`. */
  "LOOP_LIMIT_REACHED",
  /** A loop is still going after its `timeoutMs`. */
  "LOOP_TIMEOUT",
  /** A sleep step's `until` function did not return a valid Date. */
  "INVALID_SLEEP_UNTIL",
  /**
   * A poll step's check threw an error without a string `code` of its own; or a suspended
   * stage's `checkCompletion` threw on `maxPollErrors` checks in a row.
   */
  "POLL_CHECK_FAILED",
  /** A poll step was not done `timeoutMs` after its first check. */
  "POLL_TIMEOUT",
  /** A poll step was not done after `maxAttempts` checks. */
  "POLL_MAX_ATTEMPTS",

  // Run outcomes (the run's stored error)
  /** A run's error when a stage failed whose record holds no error of its own. */
  "STAGE_FAILED",
  /** A run's final output fails the workflow's output schema. */
  "WORKFLOW_OUTPUT_INVALID",
  /** A run cancelled by `run.cancel` (the message is the reason given). */
  "CANCELLED",
  /** A run ended `TIMED_OUT` by its workflow's timeout. */
  "WORKFLOW_TIMEOUT",
  /** A run's rows cannot be read back (raised by a storage adapter); the run is failed with it. */
  "CORRUPT_ROW",

  /** `run.create` got both `startAt` and `delayMs`, or a `startAt` that is not a date. */
  "INVALID_START",

  // Signals, approvals and child workflows
  /** `run.signal` to a run that has ended (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMED_OUT`). */
  "RUN_ENDED",
  /** `run.signal` named a signal no step of the run's workflow waits for. */
  "UNKNOWN_SIGNAL",
  /** `run.signal` used a name the kernel keeps for itself (`child:…`, `approval:…`). */
  "RESERVED_SIGNAL_NAME",
  /** A signal's payload fails the waiting step's schema (refused when sent, or fails the step). */
  "INVALID_SIGNAL_PAYLOAD",
  /** A keyed signal step's `key` function did not return a string of 1–200 characters. */
  "INVALID_SIGNAL_KEY",
  /** A waiting step was ended by something it cannot be (stored; a kernel bug or a bad store). */
  "WAIT_RESOLUTION_INVALID",
  /** `stage.resume` came before anything ended the wait; the scheduler hands it out again. */
  "WAIT_NOT_DUE",
  /** `approval.decide` named a step that is not an approval step. */
  "NOT_AN_APPROVAL",
  /** `approval.decide` by someone not among the step's `approvers`. */
  "NOT_AN_APPROVER",
  /** `approval.decide` on an approval that is not waiting (not reached, decided, or expired). */
  "APPROVAL_NOT_PENDING",
  /** An approval step with `onExpire: "fail"` was not decided in time. */
  "APPROVAL_EXPIRED",
  /** A child run a step waited for failed or timed out (its error is in the message). */
  "CHILD_WORKFLOW_FAILED",
  /** A child run a step waited for was cancelled. */
  "CHILD_WORKFLOW_CANCELLED",
  /** A `parallel` with `onError: "wait-all"`: branches failed (each named in the message). */
  "PARALLEL_BRANCHES_FAILED",
  /** A map step's `items` returned more than 10,000 items. */
  "MAP_TOO_LARGE",
  /** An item of a fail-fast map step failed (or was cancelled, or timed out). */
  "MAP_ITEM_FAILED",
  /** A map child's end found its parent's stage moved on mid-count (rolled back; retried). */
  "STALE_MAP",

  // Periodic duties
  /** `runDuties` with `isolateFailures`: a duty threw an error without a string `code`. */
  "DUTY_FAILED",

  // The in-memory adapters (`@ratchet/kernel/in-memory`) and the testing kit
  /** In-memory store: an insert whose primary or unique key is taken. */
  "DUPLICATE_KEY",
  /** In-memory store: a write through a transaction that has already committed or rolled back. */
  "TRANSACTION_CLOSED",
  /** In-memory job transport: stored on a job whose lease expired before it settled. */
  "LEASE_EXPIRED",
  /** Testing kit: `CollectingEventSink` rejected an event its `failWhen` predicate matched. */
  "EVENT_SINK_REJECTED",
] as const;

/** One of the {@link KERNEL_ERROR_CODES}: a stable `code` the kernel raises or stores. */
export type ErrorCode = (typeof KERNEL_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(KERNEL_ERROR_CODES);

/**
 * Whether `value` is one of the kernel's {@link ErrorCode}s.
 *
 * @example
 * ```ts
 * const code = run.error?.code;
 * if (isErrorCode(code)) console.log(`the kernel failed the run: ${code}`);
 * ```
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODES.has(value);
}
