/**
 * Every command the kernel processes, as one list of command modules ({@link COMMANDS}); the
 * kernel's dispatch table and the `Command` / `CommandResult` types are derived from it. A
 * command is a plain object with a `type`; `kernel.dispatch(command)` returns the result type
 * that belongs to that `type`. Each module's file holds the command's types, schema, fast
 * check and handler.
 */
import { approvalDecideModule } from "./approval-decide.js";
import { approvalEscalateModule } from "./approval-escalate.js";
import { approvalsListModule } from "./approvals-list.js";
import type { CommandModule, CommandOf, ResultOf } from "./command.js";
import { jobExecuteModule } from "./job-execute/index.js";
import { jobHeartbeatModule } from "./job-heartbeat.js";
import { leaseReapStaleModule } from "./lease-reap-stale.js";
import { outboxFlushModule } from "./outbox-flush.js";
import {
  outboxReplayDeadLettersModule,
  pluginReplayDlqModule,
} from "./outbox-replay-dead-letters.js";
import { runCancelModule } from "./run-cancel.js";
import { runClaimPendingModule } from "./run-claim-pending.js";
import { runCreateModule } from "./run-create.js";
import { runMigrateModule } from "./run-migrate/index.js";
import { runReapStuckModule } from "./run-reap-stuck.js";
import { runRerunFromModule } from "./run-rerun-from.js";
import { runRetryModule } from "./run-retry.js";
import { runSignalModule } from "./run-signal.js";
import { runStartModule } from "./run-start.js";
import { runTimeoutModule } from "./run-timeout.js";
import { runTransitionModule } from "./run-transition.js";
import { runsPurgeModule } from "./runs-purge.js";
import { scheduleFireDueModule } from "./schedule-fire-due.js";
import { schedulesCreateModule } from "./schedules-create.js";
import { schedulesDeleteModule } from "./schedules-delete.js";
import { schedulesFireDueModule } from "./schedules-fire-due.js";
import { schedulesListModule } from "./schedules-list.js";
import { schedulesPauseModule, schedulesResumeModule } from "./schedules-pause.js";
import { schedulesUpdateModule } from "./schedules-update.js";
import { stagePollSuspendedModule } from "./stage-poll-suspended.js";
import { stageResumeModule } from "./stage-resume.js";
import { stageWakeModule } from "./stage-wake.js";

export type { ApprovalDecideCommand, ApprovalDecideResult } from "./approval-decide.js";
export type { ApprovalEscalateCommand, ApprovalEscalateResult } from "./approval-escalate.js";
export type {
  ApprovalsListCommand,
  ApprovalsListResult,
  PendingApproval,
} from "./approvals-list.js";
export type { JobExecuteCommand, JobExecuteResult } from "./job-execute/index.js";
export type { JobHeartbeatCommand, JobHeartbeatResult } from "./job-heartbeat.js";
export type { LeaseReapStaleCommand, LeaseReapStaleResult } from "./lease-reap-stale.js";
export type { OutboxFlushCommand, OutboxFlushResult } from "./outbox-flush.js";
export type {
  OutboxReplayDeadLettersCommand,
  OutboxReplayDeadLettersResult,
  PluginReplayDlqCommand,
} from "./outbox-replay-dead-letters.js";
export type { RunCancelCommand, RunCancelResult } from "./run-cancel.js";
export type { RunClaimPendingCommand, RunClaimPendingResult } from "./run-claim-pending.js";
export type { RunCreateCommand, RunCreateResult } from "./run-create.js";
export type {
  DefinitionVersion,
  RunMigrateCommand,
  RunMigrateResult,
} from "./run-migrate/index.js";
export type { RunReapStuckCommand, RunReapStuckResult } from "./run-reap-stuck.js";
export type { RunRerunFromCommand, RunRerunFromResult } from "./run-rerun-from.js";
export type { RunRetryCommand, RunRetryResult } from "./run-retry.js";
export type { RunSignalCommand, RunSignalResult } from "./run-signal.js";
export type { RunStartCommand, RunStartResult } from "./run-start.js";
export type { RunTimeoutCommand, RunTimeoutResult } from "./run-timeout.js";
export type { RunTransitionCommand, RunTransitionResult } from "./run-transition.js";
export type { RunsPurgeCommand, RunsPurgeResult } from "./runs-purge.js";
export type { ScheduleFireDueCommand, ScheduleFireDueResult } from "./schedule-fire-due.js";
export type { SchedulesCreateCommand, SchedulesCreateResult } from "./schedules-create.js";
export type { SchedulesDeleteCommand, SchedulesDeleteResult } from "./schedules-delete.js";
export type { SchedulesFireDueCommand, SchedulesFireDueResult } from "./schedules-fire-due.js";
export type {
  SchedulesListCommand,
  SchedulesListResult,
  ScheduleView,
} from "./schedules-list.js";
export type {
  SchedulesPauseCommand,
  SchedulesPauseResult,
  SchedulesResumeCommand,
} from "./schedules-pause.js";
export type { SchedulesUpdateCommand, SchedulesUpdateResult } from "./schedules-update.js";
export type {
  StagePollSuspendedCommand,
  StagePollSuspendedResult,
} from "./stage-poll-suspended.js";
export type { StageResumeCommand, StageResumeResult } from "./stage-resume.js";
export type { StageWakeCommand, StageWakeResult } from "./stage-wake.js";

/** Every command module; the kernel dispatches exactly these. */
export const COMMANDS = [
  runCreateModule,
  runClaimPendingModule,
  jobExecuteModule,
  jobHeartbeatModule,
  runTransitionModule,
  stagePollSuspendedModule,
  leaseReapStaleModule,
  runReapStuckModule,
  outboxFlushModule,
  runCancelModule,
  runRerunFromModule,
  runRetryModule,
  runMigrateModule,
  outboxReplayDeadLettersModule,
  pluginReplayDlqModule,
  scheduleFireDueModule,
  stageWakeModule,
  runTimeoutModule,
  schedulesCreateModule,
  schedulesPauseModule,
  schedulesResumeModule,
  schedulesUpdateModule,
  schedulesDeleteModule,
  schedulesListModule,
  schedulesFireDueModule,
  runSignalModule,
  runStartModule,
  stageResumeModule,
  approvalDecideModule,
  approvalEscalateModule,
  approvalsListModule,
  runsPurgeModule,
] as const;

type AnyCommandModule = (typeof COMMANDS)[number];

/** Every command, by `type`, with its result. */
export type CommandMap = {
  [M in AnyCommandModule as M["type"]]: [CommandOf<M>, ResultOf<M>];
};

/** A command type. */
export type CommandType = keyof CommandMap;
/** Any command. */
export type Command = CommandMap[CommandType][0];
/** The result of a command of type `T`. */
export type CommandResult<T extends CommandType> = CommandMap[T][1];

/** The module of each command type (a null-prototype table: only own keys are types). */
export const COMMAND_MODULES: Readonly<Record<CommandType, CommandModule>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<CommandType, CommandModule>,
    Object.fromEntries(COMMANDS.map((m) => [m.type, m as unknown as CommandModule])),
  ),
);

/**
 * Whether `command` certainly passes `module`'s schema (its fast check). `false` means "ask
 * zod", not "invalid"; a check that throws (a throwing getter) also answers `false`.
 */
export function passesFastCheck(module: CommandModule, command: unknown): boolean {
  if (typeof command !== "object" || command === null || Array.isArray(command)) return false;
  try {
    return module.isWellFormed(command as Record<string, unknown>);
  } catch {
    return false;
  }
}

/** {@link passesFastCheck} for the module of `type`. */
export function isWellFormedCommand(type: CommandType, command: unknown): boolean {
  return passesFastCheck(COMMAND_MODULES[type], command);
}
