/**
 * A pooled `pg` connection checked out for one statement or one transaction. Its statements
 * run under a deadline (`pg`'s `query_timeout`); one that passes it — or a transaction that
 * passes its own with a statement in flight — closes the connection at once: the socket is
 * destroyed and the pool forgets the connection, instead of queueing a `ROLLBACK` behind a
 * statement that does not answer. What it was doing is reported once ({@link StallWatch}).
 */
import type pg from "pg";
import type { Row } from "../driver.js";
import {
  type DatabaseStall,
  DatabaseStalledError,
  operationOf,
  type StallLimit,
  type StallReporter,
  serverLimitOf,
} from "../stall.js";

/** How a driver watches its statements. */
export interface StallWatch {
  /** Longest wait for one statement's answer before its connection is closed, ms (0: none). */
  stallTimeoutMs: number;
  /** Receives each stall once. */
  onStall: StallReporter;
}

/** `pg` accepts a read timeout per query; its types do not list it. */
type TimedQuery = pg.QueryConfig & { query_timeout?: number };

/** The message of the error `pg` rejects a query with when its `query_timeout` passes. */
const READ_TIMEOUT = "Query read timeout";

/** Errors already reported, so one stall is reported once however far it travels. */
const reported = new WeakSet<object>();

/** A checked-out connection (see the module documentation). */
export class PgConnection {
  private broken: Error | undefined;
  private released = false;
  private running: { operation: string; started: number } | undefined;
  private last = "(no statement yet)";
  /** Set once the connection was closed for a stall; statements afterwards fail with it. */
  stalled: DatabaseStalledError | undefined;

  // The pool listens for errors of idle connections only: one that breaks while checked out
  // (the server restarts, the network drops) would emit an unhandled "error" event and end the
  // process. Its statements fail anyway; remember the error so the pool discards it.
  private readonly onError = (error: Error) => {
    this.broken ??= error;
    const limit = serverLimitOf(error);
    if (limit) this.report(error, limit, this.last, this.running?.started ?? Date.now(), true);
  };

  constructor(
    private readonly client: pg.PoolClient,
    private readonly watch: StallWatch,
    readonly inTransaction: boolean,
  ) {
    client.on("error", this.onError);
  }

  /** The server process of this connection. */
  get backendPid(): number | undefined {
    const pid = (this.client as { processID?: unknown }).processID;
    return typeof pid === "number" ? pid : undefined;
  }

  /** Whether a statement is in flight. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Whether the connection broke or was closed (a `ROLLBACK` on it would be pointless). */
  get unusable(): boolean {
    return this.broken !== undefined || this.stalled !== undefined;
  }

  /**
   * Runs a statement. Past the deadline it closes the connection and rejects with
   * {@link DatabaseStalledError}; a server-side limit (`statement_timeout`, `lock_timeout`) is
   * reported and rejects with the server's error.
   */
  async query(config: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    if (this.stalled) throw this.stalled;
    const started = Date.now();
    this.running = { operation: config.text, started };
    this.last = config.text;
    const { stallTimeoutMs } = this.watch;
    const timed: TimedQuery =
      stallTimeoutMs > 0 ? { ...config, query_timeout: stallTimeoutMs } : config;
    try {
      return await this.client.query<Row>(timed);
    } catch (error) {
      if (this.stalled) throw this.stalled;
      if (error instanceof Error && error.message === READ_TIMEOUT)
        throw this.close("statement deadline", started);
      const limit = serverLimitOf(error);
      if (limit)
        this.report(
          error,
          limit,
          config.text,
          started,
          limit === "idle_in_transaction_session_timeout",
        );
      throw error;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * Closes the connection because `limit` passed (`started`: when what ran out began): the
   * socket is destroyed (a statement is in flight, so `pg` does not wait for a goodbye) and the
   * pool forgets the connection. Returns the error its statements now fail with.
   */
  close(limit: StallLimit, started: number): DatabaseStalledError {
    if (this.stalled) return this.stalled;
    const stall: DatabaseStall = {
      limit,
      operation: operationOf(this.running?.operation ?? this.last),
      waitedMs: Date.now() - started,
      backendPid: this.backendPid,
      inTransaction: this.inTransaction,
      connectionClosed: true,
    };
    const error = new DatabaseStalledError(stall);
    this.stalled = error;
    reported.add(error);
    this.watch.onStall(stall);
    this.release(error);
    return error;
  }

  /**
   * Reports a transaction that passed its deadline between statements (it is rolled back, the
   * connection kept).
   */
  reportTransactionDeadline(started: number): void {
    this.watch.onStall({
      limit: "transaction deadline",
      operation: `idle after ${operationOf(this.last)}`,
      waitedMs: Date.now() - started,
      backendPid: this.backendPid,
      inTransaction: true,
      connectionClosed: false,
    });
  }

  private report(
    error: unknown,
    limit: StallLimit,
    operation: string,
    started: number,
    connectionClosed: boolean,
  ): void {
    if (typeof error !== "object" || error === null || reported.has(error)) return;
    reported.add(error);
    this.watch.onStall({
      limit,
      operation: operationOf(operation),
      waitedMs: Date.now() - started,
      backendPid: this.backendPid,
      inTransaction: this.inTransaction,
      connectionClosed,
    });
  }

  /**
   * Hands the connection back to the pool, which discards it when `error` is given or it broke
   * (a connection in an unknown state is never reused). Later calls do nothing.
   */
  release(error?: Error): void {
    if (this.released) return;
    this.released = true;
    this.client.off("error", this.onError);
    this.client.release(error ?? this.broken);
  }
}
