/**
 * `createPrismaPersistence`: the `Persistence` port over a Prisma client, for PostgreSQL and
 * SQLite. Statements are raw SQL (see `../sql/`); a transaction view is also a
 * `TransactionScope` the Prisma job queue and scheduler of the same database join.
 */
import type { Persistence, PersistenceTransaction } from "@ratchet/kernel/adapter";
import { isJobQueueOf } from "../job-transport/registry.js";
import type { SqlExecutor } from "../sql/executor.js";
import { executorOf, type PrismaAdapterOptions } from "../sql/prisma-executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import { registerScope } from "../sql/scope.js";
import * as breakers from "./breakers.js";
import * as idempotency from "./idempotency.js";
import * as logs from "./logs.js";
import * as outbox from "./outbox.js";
import * as retention from "./retention.js";
import { activeRunOfKey, claimPendingRuns } from "./run-claims.js";
import { runStarterOver } from "./run-starts.js";
import { getRunWithStages } from "./run-with-stages.js";
import * as runs from "./runs.js";
import * as schedules from "./schedules.js";
import * as signals from "./signals.js";
import { stageCommitterOver } from "./stage-committer.js";
import * as stages from "./stages.js";

function operations(db: SqlExecutor): Omit<Persistence, "withTransaction"> {
  return {
    createRun: (run) => runs.createRun(db, run),
    getRun: (id, options) => runs.getRun(db, id, options?.forUpdate === true),
    getRunWithStages: (id) => getRunWithStages(db, id),
    updateRun: (id, patch, options) => runs.updateRun(db, id, patch, options),
    updateLockedRun: (id, patch, options) => runs.updateLockedRun(db, id, patch, options),
    listRuns: (query) => runs.listRuns(db, query),
    claimPendingRuns: (options) => claimPendingRuns(db, options),
    activeRunOfKey: (key, statuses) => activeRunOfKey(db, key, statuses),
    createStages: (list) => stages.createStages(db, list),
    listStages: (runId) => stages.listStages(db, runId),
    getStage: (runId, stageId) => stages.getStage(db, runId, stageId),
    updateStage: (id, patch, options) => stages.updateStage(db, id, patch, options),
    getStageOutputs: (keys) => stages.getStageOutputs(db, keys),
    deleteStagesFrom: (runId, groupIndex, throughGroup) =>
      stages.deleteStagesFrom(db, runId, groupIndex, throughGroup),
    claimSuspendedStages: (options) => stages.claimSuspendedStages(db, options),
    appendLogs: (list) => logs.appendLogs(db, list),
    appendOutboxEvents: (events) => outbox.appendOutboxEvents(db, events),
    claimOutboxEvents: (options) => outbox.claimOutboxEvents(db, options),
    markOutboxPublished: (events, now) => outbox.markOutboxPublished(db, events, now),
    recordOutboxFailure: (event, failure) => outbox.recordOutboxFailure(db, event, failure),
    replayDeadLetters: (limit, now, runId) => outbox.replayDeadLetters(db, limit, now, runId),
    acquireIdempotencyKey: (key, commandType, now) =>
      idempotency.acquireIdempotencyKey(db, key, commandType, now),
    completeIdempotencyKey: (key, commandType, result) =>
      idempotency.completeIdempotencyKey(db, key, commandType, result),
    appendSignal: (signal) => signals.appendSignal(db, signal),
    getSignal: (id) => signals.getSignal(db, id),
    takeBufferedSignal: (match, stageRecordId, now) =>
      signals.takeBufferedSignal(db, match, stageRecordId, now),
    markSignalConsumed: (id, stageRecordId, now) =>
      signals.markSignalConsumed(db, id, stageRecordId, now),
    lockSignalKey: (name, matchKey) => signals.lockSignalKey(db, name, matchKey),
    putSignalWait: (wait) => signals.putSignalWait(db, wait),
    getSignalWait: (stageRecordId) => signals.getSignalWait(db, stageRecordId),
    findSignalWaits: (match, limit) => signals.findSignalWaits(db, match, limit),
    deleteSignalWait: (stageRecordId) => signals.deleteSignalWait(db, stageRecordId),
    listSignalWaits: (query) => signals.listSignalWaits(db, query),
    getBreaker: (name) => breakers.getBreaker(db, name),
    listBreakers: () => breakers.listBreakers(db),
    lockBreaker: (name, now) => breakers.lockBreaker(db, name, now),
    saveBreaker: (breaker) => breakers.saveBreaker(db, breaker),
    deleteBreaker: (name) => breakers.deleteBreaker(db, name),
    createSchedule: (schedule) => schedules.createSchedule(db, schedule),
    getSchedule: (id, options) => schedules.getSchedule(db, id, options?.forUpdate === true),
    updateSchedule: (id, patch, options) => schedules.updateSchedule(db, id, patch, options),
    deleteSchedule: (id) => schedules.deleteSchedule(db, id),
    listSchedules: (query) => schedules.listSchedules(db, query),
    claimDueSchedules: (options) => schedules.claimDueSchedules(db, options),
    nextScheduleFireAt: () => schedules.nextScheduleFireAt(db),
    purgeRuns: (query) => retention.purgeRuns(db, query),
    purgeIdempotencyKeys: (query) => retention.purgeIdempotencyKeys(db, query),
  };
}

function transactionView(tx: SqlExecutor): PersistenceTransaction {
  const view: PersistenceTransaction = registerScope(
    {
      ...operations(tx),
      isTransactionScope: true as const,
      withTransaction: (fn) => fn(view),
    },
    tx,
  );
  return view;
}

/** The `Persistence` port over a shared executor (used by the stack helpers). */
export function persistenceOver(db: SqlExecutor): Persistence {
  const persistence: Persistence = {
    ...operations(db),
    withTransaction: (fn) => db.transaction((tx) => fn(transactionView(tx))),
    stageCommitter: (jobTransport) => stageCommitterOver(db, jobTransport, persistence),
    // One statement per claim on PostgreSQL, for its own job queue; SQLite has no round trips
    // to save and claims in its transaction.
    runStarter: (jobTransport) =>
      db.dialect.provider === "postgresql" && isJobQueueOf(jobTransport, db)
        ? runStarterOver(db)
        : undefined,
    failUnreadableRun: (runId, error, now) => runs.failUnreadableRun(db, runId, error, now),
  };
  return persistence;
}

/**
 * Creates the `Persistence` port over a Prisma client (PostgreSQL or SQLite). The database
 * must be migrated (`migrate(prisma)`).
 */
export function createPrismaPersistence(
  prisma: RawRootClient,
  options: PrismaAdapterOptions = {},
): Persistence {
  return persistenceOver(executorOf(prisma, options));
}
