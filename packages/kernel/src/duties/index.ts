/** The periodic duties of a host: the one list, its options and a runner. */
export { DUTIES, type Duty, type DutyCommands, type DutyName, dutyCommand } from "./duties.js";
export {
  DEFAULT_MAX_CLAIMS_PER_TICK,
  DEFAULT_MAX_CRON_SCHEDULES_PER_TICK,
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  DEFAULT_MAX_PURGE_PER_TICK,
  DEFAULT_MAX_SCHEDULED_PER_TICK,
  DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  DEFAULT_PURGE_INTERVAL_MS,
  DEFAULT_STALE_LEASE_THRESHOLD_MS,
  type DutyOptions,
} from "./options.js";
export {
  type DutyDispatcher,
  type DutyFailure,
  type DutyResults,
  type DutyRound,
  type RunDutiesOptions,
  runDuties,
} from "./run-duties.js";
