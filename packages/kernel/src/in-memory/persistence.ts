/**
 * In-memory {@link Persistence}: runs, stages, logs, outbox, idempotency keys, signals and cron
 * schedules in an {@link InMemoryStore}, with transactions that really roll back.
 */
import type { Persistence, PersistenceTransaction } from "../ports/persistence/index.js";
import { deleteBreaker, getBreaker, listBreakers, lockBreaker, saveBreaker } from "./breakers.js";
import { acquireIdempotencyKey, completeIdempotencyKey } from "./idempotency.js";
import { appendLogs } from "./logs.js";
import {
  appendOutboxEvents,
  claimOutboxEvents,
  markOutboxPublished,
  recordOutboxFailure,
  replayDeadLetters,
} from "./outbox.js";
import { purgeIdempotencyKeys, purgeRuns } from "./retention.js";
import { inMemoryRunStarter } from "./run-starter.js";
import {
  activeRunOfKey,
  claimPendingRuns,
  createRun,
  getRun,
  listRuns,
  updateRun,
} from "./runs.js";
import {
  claimDueSchedules,
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  nextScheduleFireAt,
  updateSchedule,
} from "./schedules.js";
import {
  appendSignal,
  deleteSignalWait,
  findSignalWaits,
  getSignal,
  getSignalWait,
  listSignalWaits,
  markSignalConsumed,
  putSignalWait,
  takeBufferedSignal,
} from "./signals.js";
import { inMemoryStageCommitter } from "./stage-committer.js";
import {
  claimSuspendedStages,
  createStages,
  deleteStagesFrom,
  getStage,
  getStageOutputs,
  listStages,
  updateStage,
} from "./stages.js";
import type { InMemoryStore } from "./store.js";
import { type StoreTransaction, transactionClosedError } from "./table.js";

type Operations = Omit<Persistence, "withTransaction">;

/**
 * A {@link Persistence} over `store`. Its transactions hold the store's lock until they end
 * and are transaction scopes that the store's job transport and scheduler join.
 *
 * @example
 * ```ts
 * const store = new InMemoryStore();
 * const persistence = createInMemoryPersistence(store);
 * await persistence.withTransaction(async (tx) => {
 *   await tx.createRun(run);
 *   await jobTransport.enqueue(jobs, tx); // rolls back with the run
 * });
 * ```
 */
export function createInMemoryPersistence(store: InMemoryStore): Persistence {
  return {
    ...operations(store, undefined),
    withTransaction: (fn) => store.transaction((tx) => fn(transactionView(store, tx))),
    // The store's own job transport: a completion is one synchronous write on the store.
    stageCommitter: (jobTransport) =>
      store.ownsJobTransport(jobTransport) ? inMemoryStageCommitter(store) : undefined,
    // Likewise a claim: the claim and the runs' starts are one synchronous write.
    runStarter: (jobTransport) =>
      store.ownsJobTransport(jobTransport) ? inMemoryRunStarter(store) : undefined,
  };
}

function transactionView(store: InMemoryStore, tx: StoreTransaction): PersistenceTransaction {
  const view: PersistenceTransaction = Object.assign(operations(store, tx), {
    isTransactionScope: true as const,
    // Joins the open transaction: no savepoint, its writes commit or roll back with the outer one.
    withTransaction: <T>(fn: (inner: PersistenceTransaction) => Promise<T>): Promise<T> => {
      return tx.isOpen ? fn(view) : Promise.reject(transactionClosedError());
    },
  });
  store.registerScope(view, tx);
  return view;
}

function operations(store: InMemoryStore, tx: StoreTransaction | undefined): Operations {
  const run = <T>(operation: (tx: StoreTransaction) => T): Promise<T> =>
    store.execute(tx, operation);
  return {
    createRun: (newRun) => run((t) => createRun(store, t, newRun)),
    getRun: (id) => run(() => getRun(store, id)),
    getRunWithStages: (id) =>
      run(() => {
        const found = getRun(store, id);
        return found ? { run: found, stages: listStages(store, id) } : null;
      }),
    updateRun: (id, patch, options) => run((t) => updateRun(store, t, id, patch, options)),
    listRuns: (query) => run(() => listRuns(store, query)),
    claimPendingRuns: (options) => run((t) => claimPendingRuns(store, t, options)),
    activeRunOfKey: (key, statuses) => run(() => activeRunOfKey(store, key, statuses)),

    createStages: (stages) => run((t) => createStages(store, t, stages)),
    listStages: (runId) => run(() => listStages(store, runId)),
    getStage: (runId, stageId) => run(() => getStage(store, runId, stageId)),
    updateStage: (id, patch, options) => run((t) => updateStage(store, t, id, patch, options)),
    getStageOutputs: (keys) => run(() => getStageOutputs(store, keys)),
    deleteStagesFrom: (runId, groupIndex, throughGroup) =>
      run((t) => deleteStagesFrom(store, t, runId, groupIndex, throughGroup)),
    claimSuspendedStages: (options) => run((t) => claimSuspendedStages(store, t, options)),

    appendLogs: (logs) => run((t) => appendLogs(store, t, logs)),

    appendOutboxEvents: (events) => run((t) => appendOutboxEvents(store, t, events)),
    claimOutboxEvents: (options) => run((t) => claimOutboxEvents(store, t, options)),
    // The in-memory store keys events by id.
    markOutboxPublished: (events, now) =>
      run((t) =>
        markOutboxPublished(
          store,
          t,
          events.map((event) => event.id),
          now,
        ),
      ),
    recordOutboxFailure: (event, failure) =>
      run((t) => recordOutboxFailure(store, t, event.id, failure)),
    replayDeadLetters: (limit, now, runId) =>
      run((t) => replayDeadLetters(store, t, limit, now, runId)),

    acquireIdempotencyKey: (key, commandType, now) =>
      run((t) => acquireIdempotencyKey(store, t, key, commandType, now)),
    completeIdempotencyKey: (key, commandType, result) =>
      run((t) => completeIdempotencyKey(store, t, key, commandType, result)),

    createSchedule: (schedule) => run((t) => createSchedule(store, t, schedule)),
    getSchedule: (id) => run(() => getSchedule(store, id)),
    updateSchedule: (id, patch, options) =>
      run((t) => updateSchedule(store, t, id, patch, options)),
    deleteSchedule: (id) => run((t) => deleteSchedule(store, t, id)),
    listSchedules: (query) => run(() => listSchedules(store, query)),
    // The store's lock holds what a transaction claims until it ends.
    claimDueSchedules: (options) => run(() => claimDueSchedules(store, options)),
    nextScheduleFireAt: () => run(() => nextScheduleFireAt(store)),

    appendSignal: (signal) => run((t) => appendSignal(store, t, signal)),
    getSignal: (id) => run(() => getSignal(store, id)),
    takeBufferedSignal: (match, stageRecordId, now) =>
      run((t) => takeBufferedSignal(store, t, match, stageRecordId, now)),
    markSignalConsumed: (id, stageRecordId, now) =>
      run((t) => markSignalConsumed(store, t, id, stageRecordId, now)),
    // The store's mutex serialises transactions already: nothing to lock.
    lockSignalKey: () => run(() => undefined),
    putSignalWait: (wait) => run((t) => putSignalWait(store, t, wait)),
    getSignalWait: (stageRecordId) => run(() => getSignalWait(store, stageRecordId)),
    findSignalWaits: (match, limit) => run(() => findSignalWaits(store, match, limit)),
    deleteSignalWait: (stageRecordId) => run((t) => deleteSignalWait(store, t, stageRecordId)),
    listSignalWaits: (query) => run(() => listSignalWaits(store, query)),

    purgeRuns: (query) => run((t) => purgeRuns(store, t, query)),
    purgeIdempotencyKeys: (query) => run((t) => purgeIdempotencyKeys(store, t, query)),

    getBreaker: (name) => run(() => getBreaker(store, name)),
    listBreakers: () => run(() => listBreakers(store)),
    // The store's lock holds the row until the transaction ends.
    lockBreaker: (name, now) => run((t) => lockBreaker(store, t, name, now)),
    saveBreaker: (breaker) => run((t) => saveBreaker(store, t, breaker)),
    deleteBreaker: (name) => run((t) => deleteBreaker(store, t, name)),
  };
}
