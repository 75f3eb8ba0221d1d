/**
 * The part of a Prisma client the adapters use: raw queries and interactive transactions.
 * Both generated clients (PostgreSQL and SQLite) satisfy it, and so does a transaction client.
 */

/** Options of an interactive transaction. */
export interface RawTransactionOptions {
  maxWait?: number;
  timeout?: number;
}

/** A Prisma client (or transaction client) seen through its raw-SQL methods. */
export interface RawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A root Prisma client: raw SQL plus interactive transactions. */
export interface RawRootClient extends RawClient {
  $transaction<T>(fn: (tx: RawClient) => Promise<T>, options?: RawTransactionOptions): Promise<T>;
}
