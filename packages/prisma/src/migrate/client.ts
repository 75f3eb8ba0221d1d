/**
 * What the migrator needs of a Prisma client, typed structurally so clients of either
 * generated flavour (and extended clients) fit.
 */

/** Raw SQL on a client or inside an interactive transaction. */
export interface MigrationQueryable {
  /** Runs a statement; resolves to the number of rows changed. */
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  /** Runs a query; resolves to its rows. */
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** Options of an interactive transaction (Prisma's names; milliseconds). */
export interface MigrationTransactionOptions {
  /** How long to wait to start the transaction (for a connection, or the SQLite client's turn). */
  maxWait?: number;
  /** How long the transaction may stay open before Prisma rolls it back. */
  timeout?: number;
}

/** A Prisma client: raw SQL plus interactive transactions. */
export interface MigrationClient extends MigrationQueryable {
  /** Runs `fn` in an interactive transaction, committed when it resolves. */
  $transaction<R>(
    fn: (tx: MigrationQueryable) => Promise<R>,
    options?: MigrationTransactionOptions,
  ): PromiseLike<R>;
}
