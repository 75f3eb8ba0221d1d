/**
 * Transaction scopes: the persistence adapter hands its transaction view to the kernel as a
 * `TransactionScope`; the job queue and scheduler of the same database find the transaction's
 * executor through it and write in the same transaction.
 */
import type { TransactionScope } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "./executor.js";

const executors = new WeakMap<object, SqlExecutor>();

/** Marks `scope` as standing for the transaction `executor`. */
export function registerScope<T extends object>(scope: T, executor: SqlExecutor): T {
  executors.set(scope, executor);
  return scope;
}

/**
 * The executor to use for a write: the scope's transaction when it belongs to the same
 * database as `root`, else `root` itself (no transaction).
 */
export function executorFor(root: SqlExecutor, scope: TransactionScope | undefined): SqlExecutor {
  if (!scope) return root;
  const joined = executors.get(scope);
  return joined && joined.database === root.database ? joined : root;
}
