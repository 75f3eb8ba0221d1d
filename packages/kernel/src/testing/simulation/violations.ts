/** The invariants' names, what breaks each, and a broken one. */

/**
 * Names of the invariants (stable: tests and reproducers refer to them).
 *
 * | invariant                     | broken when                                                                                                      |
 * | ----------------------------- | ---------------------------------------------------------------------------------------------------------------- |
 * | `run-exists`                  | a created run is missing from the store                                                                          |
 * | `terminal-state-changed`      | a run's terminal status changed                                                                                  |
 * | `completed-run-missing-stage` | a `COMPLETED` run has a stage record not `COMPLETED` (or `SKIPPED`, never run); straight-line: or lacks one      |
 * | `completed-stage-changed`     | a completed stage record's output, attempt or completion time changed, or it left `COMPLETED`                    |
 * | `stage-completed-twice`       | straight-line workflows: a stage has two `workflow.step.completed` events                                        |
 * | `attempt-failed-twice`        | straight-line workflows: one attempt of a stage has two `workflow.step.retry`/`.failed` events                   |
 * | `outbox-sequence-gap`         | a run's outbox sequences are not exactly `1..eventSeq`                                                           |
 * | `published-out-of-order`      | the sink received a run's events out of sequence order, or one sequence as two different events                  |
 * | `job-attempts-exceeded`       | a job's attempt is above its `maxAttempts`                                                                       |
 * | `stage-job-duplicated`        | a stage has two live (`PENDING`/`RUNNING`) jobs at once: its body would run twice                                |
 * | `wrong-output`                | a `COMPLETED` run's output, or a completed stage's, is not what the model computes from the run's input          |
 * | `completed-failing-attempt`   | a stage completed on an attempt that the fault plan fails                                                        |
 * | `failure-unexplained`         | a `FAILED` run's cause is not one the fault plan explains: its stage's own error on its last allowed attempt, or leases lost on every allowed attempt (`MAX_ATTEMPTS_EXCEEDED`) |
 * | `stage-input-wrong`           | a stage got an input other than its predecessors' committed output (the run's input for a first stage)         |
 * | `stage-executions-overlap`    | a stage's body was started under a new lease while another execution of it still held a valid lease            |
 * | `ended-attempt-rerun`         | a stage's body ran for a delivery of an attempt that had already ended (its failure or the stage's end committed, or the run ended) when the delivery began |
 * | `failed-for-routing`          | a run or stage ended with a routing code (`WORKFLOW_NOT_FOUND`, `DEFINITION_UNAVAILABLE`, `STAGE_NOT_FOUND`)    |
 * | `routed-to-wrong-worker`      | a worker was handed a job of a workflow it does not register                                                    |
 * | `unexpected-error`            | a command rejected with something other than a `RatchetError` or an injected database error                    |
 * | `runs-terminate`              | at the end: a run never ended once faults stopped                                                               |
 * | `outbox-drained`              | at the end: an event was never published, or the sink did not see `1..n` of a run                               |
 * | `no-live-jobs-after-end`      | at the end: an ended run still has a live job                                                                  |
 * | `signal-consumed-twice`       | one signal ended the waits of two stage records; a stage record's wait, once ended, ended again with another signal (or a signal after its time-out); two signals are recorded as consumed by one stage record; a wait's signal (or one `run.signal` said it delivered there) is not recorded as consumed by that stage record |
 * | `signal-lost`                 | a signal `run.signal` accepted (`delivered`/`buffered`) is not stored, or one it delivered sits unconsumed; a wait timed out after taking a signal, or while a signal stored for it before the time-out sits unconsumed; a stage waits while a signal it would take sits buffered |
 * | `signal-to-ended-run-accepted`| a signal sent to a run that had already ended (with an id never stored) was not refused with `RUN_ENDED`, or was stored |
 * | `child-orphaned`              | at the end: a parent ended `CANCELLED`/`FAILED`/`TIMED_OUT` while a child it waited for is still not ended |
 * | `parent-missed-child`         | at the end: a child run ended, but its parent still waits for it (`SUSPENDED` on it, never resumed)            |
 * | `compensation-wrong`          | a run that declares compensations failed without compensating, or compensated other stages than its completed ones, out of newest-first order, one twice, or ended `COMPENSATED`/`COMPENSATION_FAILED` otherwise than its records say |
 * | `custom-event-wrong`          | a `workflow.custom` event not right before its attempt's `workflow.step.completed` (a rolled-back attempt's), or a task's completion without its event |
 *
 * `wrong-output`, `completed-failing-attempt` and `failure-unexplained` need a
 * `SimulationModel` (the simulator's own workflows have one); `stage-input-wrong` needs
 * stages that record their input; `stage-executions-overlap` and `ended-attempt-rerun` are
 * checked by the simulator as it delivers jobs; `signal-to-ended-run-accepted` and the checks
 * of `signal-lost` against what `run.signal` answered need the simulation's own signals, the
 * others of the wait invariants only read the store.
 */
export type InvariantName =
  | "run-exists"
  | "terminal-state-changed"
  | "completed-run-missing-stage"
  | "completed-stage-changed"
  | "stage-completed-twice"
  | "attempt-failed-twice"
  | "outbox-sequence-gap"
  | "published-out-of-order"
  | "job-attempts-exceeded"
  | "stage-job-duplicated"
  | "wrong-output"
  | "completed-failing-attempt"
  | "failure-unexplained"
  | "stage-input-wrong"
  | "stage-executions-overlap"
  | "ended-attempt-rerun"
  | "runs-terminate"
  | "outbox-drained"
  | "no-live-jobs-after-end"
  | "signal-consumed-twice"
  | "signal-lost"
  | "signal-to-ended-run-accepted"
  | "child-orphaned"
  | "parent-missed-child"
  | "failed-for-routing"
  | "routed-to-wrong-worker"
  | "unexpected-error"
  /** A slot of a cron schedule started more than one run. */
  | "schedule-slot-twice"
  | "compensation-wrong"
  /** A `ctx.emit` event not written in its attempt's completion commit, or one missing. */
  | "custom-event-wrong";

/** A broken invariant. */
export interface InvariantViolation {
  invariant: InvariantName;
  /** What exactly was wrong (ids, statuses). */
  detail: string;
}
