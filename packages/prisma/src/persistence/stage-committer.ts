/**
 * The Prisma persistence's stage committer: completions written in batches — on PostgreSQL
 * each batch in one statement (`completions-postgres.ts`), on SQLite each batch in one
 * transaction through the kernel's own completion logic. Offered for a Prisma job queue on
 * the same database only, since each write also settles and enqueues that queue's jobs.
 */
import {
  type JobTransport,
  type Persistence,
  type StageCommitter,
  type StageCompletion,
  type StageCompletionResult,
  systemClock,
  transactionalCommitter,
} from "@ratchet/kernel/adapter";
import { isJobQueueOf } from "../job-transport/registry.js";
import { schedulerOver } from "../scheduler/index.js";
import { Batcher } from "../sql/batcher.js";
import type { SqlExecutor } from "../sql/executor.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { commitCompletionsPostgres } from "./completions-postgres.js";

/** The batched write of one provider. */
function batchWriter(
  db: SqlExecutor,
  jobTransport: JobTransport,
  persistence: Persistence,
): (batch: readonly StageCompletion[]) => Promise<readonly StageCompletionResult[]> {
  const kernelLogic = transactionalCommitter({
    persistence,
    jobTransport,
    scheduler: schedulerOver(db),
    clock: systemClock,
    newId: () => crypto.randomUUID(),
  });
  if (db.dialect.provider === "postgresql") {
    const statement = async (batch: readonly StageCompletion[]) => {
      const { results, woken } = await commitCompletionsPostgres(db, batch);
      // Other processes hear of new jobs through pg_notify in the statement; this one now.
      if (woken) wakeupsOf(db.database).emit("job");
      return results;
    };
    return async (batch) => {
      if (!batch.some((c) => c.runUpdate)) return statement(batch);
      // A completion that sets metadata or control state (control-flow steps, setMetadata) is
      // rare: it goes through the kernel's transactional logic, the others still in one
      // statement. Completions of one run serialise on the run's row lock either way.
      const plain = batch.filter((c) => !c.runUpdate);
      const [plainResults, ...updating] = await Promise.all([
        plain.length > 0 ? statement(plain) : Promise.resolve([]),
        ...batch.filter((c) => c.runUpdate).map((c) => kernelLogic.commit(c)),
      ]);
      const results: StageCompletionResult[] = [];
      let p = 0;
      let u = 0;
      for (const c of batch)
        results.push((c.runUpdate ? updating[u++] : plainResults[p++]) as StageCompletionResult);
      return results;
    };
  }
  // SQLite: one BEGIN IMMEDIATE … COMMIT for the batch instead of one per completion.
  return (batch) => kernelLogic.commitMany(batch);
}

/** After this long in flight, a completion write no longer holds back a second one, ms. */
const STUCK_WRITE_MS = 10;

/** The committer over `db` for `jobTransport`, or `undefined` when it cannot write its jobs. */
export function stageCommitterOver(
  db: SqlExecutor,
  jobTransport: JobTransport,
  persistence: Persistence,
): StageCommitter | undefined {
  if (!isJobQueueOf(jobTransport, db)) return undefined;
  const batcher = new Batcher<StageCompletion, StageCompletionResult>(
    batchWriter(db, jobTransport, persistence),
    {
      // One write at a time while writes return promptly, so the next batch gathers for a
      // whole write: W1 on PostgreSQL went from 0.54 to 0.44 commits per stage. A second goes
      // out beside a write stuck for 10 ms (a lock held by another host, a slow disk), so one
      // slow write does not hold up every stage behind it for longer.
      maxInFlight: 2,
      extraWriteAfterMs: STUCK_WRITE_MS,
      // Stage record ids and job ids are both unique ids: one key space is enough.
      keys: (completion) =>
        completion.job
          ? [completion.stageRecordId, completion.job.jobId]
          : [completion.stageRecordId],
    },
  );
  return { commit: (completion) => batcher.submit(completion) };
}
