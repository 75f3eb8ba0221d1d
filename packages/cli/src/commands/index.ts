/**
 * Every `ratchet` command, in the order `ratchet --help` lists them.
 */
import { approvalsCommand } from "./approvals.js";
import { breakersCommand } from "./breakers.js";
import { cancelCommand } from "./cancel.js";
import { dashboardCommand } from "./dashboard.js";
import { approveCommand, rejectCommand } from "./decide.js";
import { demoCommand } from "./demo.js";
import { deployCheckCommand } from "./deploy-check.js";
import { eventsCommand } from "./events.js";
import { explainCommand } from "./explain.js";
import { graphCommand } from "./graph.js";
import { logsCommand } from "./logs.js";
import { migrateCommand } from "./migrate.js";
import { purgeCommand } from "./purge.js";
import { replayDeadLettersCommand } from "./replay-dead-letters.js";
import { rerunCommand } from "./rerun.js";
import { retryCommand } from "./retry.js";
import { runCommand } from "./run.js";
import { runsCommand } from "./runs.js";
import { schedulesCommand } from "./schedules.js";
import { signalCommand } from "./signal.js";
import type { CommandSpec } from "./spec.js";
import { statusCommand } from "./status.js";
import { workerCommand } from "./worker.js";

/** The commands. */
export const COMMANDS: readonly CommandSpec[] = [
  demoCommand,
  workerCommand,
  runCommand,
  statusCommand,
  explainCommand,
  logsCommand,
  eventsCommand,
  cancelCommand,
  retryCommand,
  rerunCommand,
  signalCommand,
  approveCommand,
  rejectCommand,
  approvalsCommand,
  runsCommand,
  schedulesCommand,
  breakersCommand,
  replayDeadLettersCommand,
  purgeCommand,
  graphCommand,
  dashboardCommand,
  deployCheckCommand,
  migrateCommand,
];
