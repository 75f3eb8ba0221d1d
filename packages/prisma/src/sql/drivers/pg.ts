/**
 * The `pg` driver: statements go to a `pg` pool as **named prepared statements**, so
 * PostgreSQL parses and plans each statement text once per connection instead of on every
 * call. Transactions take one pooled connection for their whole life. Every statement runs on a
 * checked-out {@link PgConnection}, under the watch's deadline: a stalled connection is closed,
 * not queued behind.
 */
import type pg from "pg";
import {
  ConnectionWaitTimeoutError,
  type Row,
  type SqlDriver,
  type SqlSession,
  TransactionTimeoutError,
} from "../driver.js";
import { warnOfStall } from "../stall.js";
import { PgConnection, type StallWatch } from "./pg-connection.js";

/** Without a watch: no statement deadline; stalls of the server's limits go to `console.warn`. */
const NO_WATCH: StallWatch = { stallTimeoutMs: 0, onStall: warnOfStall };

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

/** One statement on a connection of its own, checked out for it. */
async function once(
  pool: pg.Pool,
  watch: StallWatch,
  config: pg.QueryConfig,
): Promise<pg.QueryResult<Row>> {
  const connection = new PgConnection(await pool.connect(), watch, false);
  try {
    return await connection.query(config);
  } finally {
    connection.release();
  }
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
export function pgDriver(pool: pg.Pool, watch: StallWatch = NO_WATCH): SqlDriver {
  let found = namesByPool.get(pool);
  if (!found) {
    found = new StatementNames();
    namesByPool.set(pool, found);
  }
  const names = found;
  return {
    provider: "postgresql",
    identity: pool,
    query: async (sql, params) => (await once(pool, watch, names.config(sql, params))).rows,
    execute: async (sql, params) =>
      (await once(pool, watch, names.config(sql, params))).rowCount ?? 0,
    async transaction(fn, { maxWaitMs, timeoutMs }) {
      const connection = new PgConnection(await connectWithin(pool, maxWaitMs), watch, true);
      const began = Date.now();
      // Past its deadline (or once it ended) the transaction takes no more statements.
      let closed = false;
      const refuse = () => connection.stalled ?? new TransactionTimeoutError(timeoutMs);
      const session: SqlSession = {
        query: async (sql, params) => {
          if (closed) throw refuse();
          return (await connection.query(names.config(sql, params))).rows;
        },
        execute: async (sql, params) => {
          if (closed) throw refuse();
          return (await connection.query(names.config(sql, params))).rowCount ?? 0;
        },
      };
      // A connection that broke or was closed has nothing to roll back: the server rolls back
      // when the session ends. A ROLLBACK that stalls closes the connection too.
      const rollback = async () => {
        if (connection.unusable) return;
        try {
          await connection.query({ text: "ROLLBACK" });
          connection.release();
        } catch (error) {
          connection.release(error as Error);
        }
      };
      // Past its timeout the transaction ends at once, so its locks are released even if `fn`
      // never returns, and whatever `fn` sends afterwards fails: with a statement in flight
      // (which may never answer) the connection is closed; between statements it is rolled back.
      let timedOut: Promise<void> | undefined;
      const timer = setTimeout(() => {
        closed = true;
        if (connection.busy) {
          connection.close("transaction deadline", began);
        } else {
          connection.reportTransactionDeadline(began);
          timedOut = rollback();
        }
      }, timeoutMs);
      try {
        await connection.query({ text: "BEGIN" });
        const result = await fn(session);
        if (closed) throw refuse();
        await connection.query({ text: "COMMIT" });
        return result;
      } catch (error) {
        if (!closed) {
          closed = true;
          await rollback();
        }
        throw connection.stalled ?? error;
      } finally {
        clearTimeout(timer);
        await timedOut;
        connection.release();
      }
    },
  };
}
