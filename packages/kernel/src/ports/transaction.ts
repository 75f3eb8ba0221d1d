/**
 * Transactions across ports.
 *
 * A command's state changes commit in one persistence transaction. Other ports may *join*
 * that transaction when they live in the same store (the Prisma job queue and scheduler live
 * in the same database as the runs; the in-memory ones share one in-memory store): the kernel
 * passes the open transaction as a {@link TransactionScope} and the port writes through it,
 * so its writes commit or roll back with the command.
 *
 * A port that cannot join (say, a job transport on an external queue) sets
 * `joinsTransactions: false`; the kernel then calls it after the commit, and `run.reapStuck`
 * repairs what a crash between commit and call left behind.
 */

/**
 * Opaque handle to an open persistence transaction. Adapters recognise their own scopes
 * (e.g. with a `WeakMap` or a private symbol) and treat any other value as "no transaction".
 */
export interface TransactionScope {
  /** Marker so arbitrary objects are not accepted by accident. */
  readonly isTransactionScope: true;
}
