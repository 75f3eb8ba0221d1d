/**
 * Purging finished runs: what retention asks for (one rule per final status and time kept,
 * naming the workflows it covers), and one batch — the rows in one short transaction (the job
 * transport's too when it joins it), then the runs' blobs.
 *
 * Rows go first, blobs after the commit: a crash in between leaves blobs nobody reads (a leak
 * a later purge of the same prefix cannot see), never a run whose outputs are gone.
 */
import type { WorkflowRegistry } from "../../dsl/registry.js";
import type { PurgeRunsQuery } from "../../ports/persistence/index.js";
import {
  FINISHED_RUN_STATUSES,
  type FinishedRunStatus,
  mergeRetention,
  type RetentionMs,
} from "../../retention.js";
import type { KernelDeps } from "../kernel-deps.js";
import { inTransaction } from "../tx/unit-of-work.js";

/** Runs of `workflowIds` that ended `status` are kept `keepMs`. */
export interface RetentionRule {
  status: FinishedRunStatus;
  keepMs: number;
  workflowIds: string[];
}

/**
 * The rules retention sets for the workflows `registry` holds: each workflow's own retention
 * (its newest version's) over `defaults`, grouped by status and time kept. Statuses kept
 * forever make no rule; workflows this kernel does not register are left alone (another
 * kernel may keep them longer).
 */
export function retentionRules(registry: WorkflowRegistry, defaults: RetentionMs): RetentionRule[] {
  const rules = new Map<string, RetentionRule>();
  const ids = [...new Set(registry.list().map((w) => w.id))].sort();
  for (const id of ids) {
    const retention = mergeRetention(defaults, registry.getWorkflow(id)?.retention);
    for (const status of FINISHED_RUN_STATUSES) {
      const keepMs = retention[status];
      if (keepMs === undefined || !Number.isFinite(keepMs)) continue;
      const key = `${status}:${keepMs}`;
      const rule = rules.get(key) ?? { status, keepMs, workflowIds: [] };
      rule.workflowIds.push(id);
      rules.set(key, rule);
    }
  }
  return [...rules.values()];
}

/** What one batch did. */
export interface PurgeBatch {
  runIds: string[];
  jobsDeleted: number;
  blobsDeleted: number;
  /** Dry run: the runs the query matches in all. */
  matched?: number;
}

/** How many runs' blobs are listed and deleted at once. */
const BLOB_CONCURRENCY = 8;

/** Deletes (or, dry, lists) one batch of the runs `query` selects, with all they own. */
export async function purgeBatch(deps: KernelDeps, query: PurgeRunsQuery): Promise<PurgeBatch> {
  if (query.dryRun) {
    const found = await deps.persistence.purgeRuns(query);
    return {
      runIds: found.runIds,
      jobsDeleted: 0,
      blobsDeleted: 0,
      ...(found.matched !== undefined ? { matched: found.matched } : {}),
    };
  }
  let jobsDeleted = 0;
  const purged = await inTransaction(deps, async (uow) => {
    const result = await uow.tx.purgeRuns(query);
    const purge = deps.jobTransport.purgeForRuns;
    if (purge && result.runIds.length > 0)
      await uow.jobs(async (scope) => {
        jobsDeleted = await purge.call(deps.jobTransport, result.runIds, scope);
      });
    return result;
  });
  const blobsDeleted = await deleteBlobs(deps, purged.runIds, purged.blobKeys);
  return { runIds: purged.runIds, jobsDeleted, blobsDeleted };
}

/** Deletes the outputs named by `blobKeys` and everything under each run's blob prefix. */
async function deleteBlobs(
  deps: KernelDeps,
  runIds: readonly string[],
  blobKeys: readonly string[],
): Promise<number> {
  const keys = new Set(blobKeys);
  for (let i = 0; i < runIds.length; i += BLOB_CONCURRENCY) {
    const listed = await Promise.all(
      runIds.slice(i, i + BLOB_CONCURRENCY).map((id) => deps.blobStore.list(`runs/${id}/`)),
    );
    for (const list of listed) for (const key of list) keys.add(key);
  }
  const all = [...keys];
  for (let i = 0; i < all.length; i += BLOB_CONCURRENCY)
    await Promise.all(all.slice(i, i + BLOB_CONCURRENCY).map((key) => deps.blobStore.delete(key)));
  return all.length;
}
