/**
 * The `pg` driver: statements go to a `pg` pool as **named prepared statements**, so
 * PostgreSQL parses and plans each statement text once per connection instead of on every
 * call. Transactions take one pooled connection for their whole life.
 */
import type pg from "pg";
import {
  ConnectionWaitTimeoutError,
  type Row,
  type SqlDriver,
  type SqlSession,
  TransactionTimeoutError,
} from "../driver.js";

/**
 * At most this many statement texts get a name; texts beyond it (statements built with a
 * varying number of parameters) are sent unnamed, so no connection accumulates plans without
 * bound.
 */
const MAX_NAMED_STATEMENTS = 200;

/** Gives each statement text a stable name, up to {@link MAX_NAMED_STATEMENTS}. */
class StatementNames {
  private readonly names = new Map<string, string>();

  config(text: string, values: readonly unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED_STATEMENTS) {
      name = `ratchet_${this.names.size}`;
      this.names.set(text, name);
    }
    const params = values as unknown[];
    return name === undefined ? { text, values: params } : { name, text, values: params };
  }
}

function sessionOver(
  queryable: Pick<pg.Pool | pg.PoolClient, "query">,
  names: StatementNames,
): SqlSession {
  return {
    query: async (sql, params) => (await queryable.query<Row>(names.config(sql, params))).rows,
    execute: async (sql, params) =>
      (await queryable.query(names.config(sql, params))).rowCount ?? 0,
  };
}

async function connectWithin(pool: pg.Pool, maxWaitMs: number): Promise<pg.PoolClient> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const connecting = pool.connect();
  try {
    return await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new ConnectionWaitTimeoutError(maxWaitMs));
        }, maxWaitMs);
      }),
    ]);
  } catch (error) {
    // A connection that arrives after we gave up goes straight back to the pool.
    if (timedOut) connecting.then((client) => client.release()).catch(() => undefined);
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Names are per pool: every driver over one pool must agree on them, connection by connection. */
const namesByPool = new WeakMap<pg.Pool, StatementNames>();

/** A PostgreSQL driver over `pool` (the caller owns the pool and ends it). */
export function pgDriver(pool: pg.Pool): SqlDriver {
  let names = namesByPool.get(pool);
  if (!names) {
    names = new StatementNames();
    namesByPool.set(pool, names);
  }
  const root = sessionOver(pool, names);
  return {
    provider: "postgresql",
    identity: pool,
    query: root.query,
    execute: root.execute,
    async transaction(fn, { maxWaitMs, timeoutMs }) {
      const client = await connectWithin(pool, maxWaitMs);
      let closed = false;
      let released = false;
      // The pool listens for errors of idle connections only: one that breaks while checked
      // out (the server restarts, the network drops) would emit an unhandled "error" event
      // and end the process. Its statements fail anyway; remember the error so the pool
      // discards the connection.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken ??= error;
      };
      client.on("error", onError);
      const release = (error?: Error) => {
        if (released) return;
        released = true;
        client.off("error", onError);
        // A connection whose ROLLBACK failed, or that broke, is in an unknown state: the pool
        // discards it.
        client.release(error ?? broken);
      };
      const inner = sessionOver(client, names as StatementNames);
      const session: SqlSession = {
        query: (sql, params) =>
          closed
            ? Promise.reject(new TransactionTimeoutError(timeoutMs))
            : inner.query(sql, params),
        execute: (sql, params) =>
          closed
            ? Promise.reject(new TransactionTimeoutError(timeoutMs))
            : inner.execute(sql, params),
      };
      const rollback = () =>
        client.query("ROLLBACK").then(
          () => release(),
          (error: Error) => release(error),
        );
      // Past its timeout the transaction is rolled back at once (after any statement in
      // flight) and its connection handed back, so its locks are released even if `fn` never
      // returns; whatever `fn` sends afterwards fails.
      let timedOut: Promise<void> | undefined;
      const timer = setTimeout(() => {
        closed = true;
        timedOut = rollback();
      }, timeoutMs);
      try {
        await client.query("BEGIN");
        const result = await fn(session);
        if (closed) throw new TransactionTimeoutError(timeoutMs);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if (!closed) {
          closed = true;
          await rollback();
        }
        throw error;
      } finally {
        clearTimeout(timer);
        await timedOut;
        release();
      }
    },
  };
}
