/**
 * The Prisma persistence's stage committer: completions written in batches, each batch in one
 * statement on PostgreSQL (`completions-postgres.ts`). Offered for a Prisma job queue on the
 * same database only, since each statement also settles and enqueues that queue's jobs.
 */
import type {
  JobTransport,
  StageCommitter,
  StageCompletion,
  StageCompletionResult,
} from "@ratchet/kernel";
import { isJobQueueOf } from "../job-queue/registry.js";
import { Batcher } from "../sql/batcher.js";
import type { SqlExecutor } from "../sql/executor.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { commitCompletionsPostgres } from "./completions-postgres.js";

/** The committer over `db` for `jobTransport`, or `undefined` when it cannot write its jobs. */
export function stageCommitterOver(
  db: SqlExecutor,
  jobTransport: JobTransport,
): StageCommitter | undefined {
  if (db.dialect.provider !== "postgresql" || !isJobQueueOf(jobTransport, db)) return undefined;
  const batcher = new Batcher<StageCompletion, StageCompletionResult>(
    async (batch) => {
      const { results, woken } = await commitCompletionsPostgres(db, batch);
      // Other processes hear of new jobs through pg_notify in the statement; this one now.
      if (woken) wakeupsOf(db.database).emit("job");
      return results;
    },
    {
      // Stage record ids and job ids are both unique ids: one key space is enough.
      keys: (completion) =>
        completion.job
          ? [completion.stageRecordId, completion.job.jobId]
          : [completion.stageRecordId],
    },
  );
  return { commit: (completion) => batcher.submit(completion) };
}
