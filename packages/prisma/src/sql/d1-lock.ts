/**
 * The database-wide lock of Ratchet on D1: waiting for it, taking over an expired one (rolling
 * back what its crashed holder left in the undo journal), committing and rolling back. See
 * `d1-journal.ts` for the statements and docs/adr/0008-d1-transactions.md for the design.
 */
import { RatchetError } from "@ratchet/kernel/adapter";
import {
  CLEAR_UNDO,
  GUARD_FAILURE,
  GUARD_MINE,
  LOCK_STATE,
  RELEASE,
  TAKE_OVER,
  UNDO_STATEMENTS,
} from "./d1-journal.js";
import type { D1Session, D1Statement } from "./drivers/d1.js";

/** Whether `error` is a guard's failure (the lock is not in the state the batch needed). */
export function isGuardFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.message.includes(GUARD_FAILURE)) return true;
  }
  return false;
}

/** Thrown when another transaction held the database for longer than the wait allowed. */
export class D1LockTimeoutError extends RatchetError {
  /** The same work may succeed a moment later: the kernel never fails a run for it. */
  readonly transient = true;
  constructor(waitedMs: number) {
    super(
      "D1_LOCK_TIMEOUT",
      `[ratchet] [prisma] [d1] another transaction held the database for more than ${waitedMs} ms`,
    );
  }
}

/**
 * Thrown when a transaction finds it no longer holds the lock (its lease expired and another
 * isolate took over, rolling its writes back): nothing of it was committed.
 */
export class D1LockLostError extends RatchetError {
  /** The same work may succeed a moment later: the kernel never fails a run for it. */
  readonly transient = true;
  constructor() {
    super(
      "D1_LOCK_LOST",
      "[ratchet] [prisma] [d1] the transaction lost the database lock (its lease expired); nothing of it was committed",
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A random token naming one transaction. */
export function newToken(): string {
  return crypto.randomUUID();
}

/** Lock operations over one D1 session. */
export class D1Lock {
  constructor(
    private readonly session: D1Session,
    /** How long a holder keeps the lock if it never commits (it crashed), ms. */
    private readonly leaseMs: number,
  ) {}

  /** Guard statement: `token` holds the lock. */
  mine(token: string): D1Statement {
    return { sql: GUARD_MINE, params: [token] };
  }

  /**
   * Waits until the lock is free, taking over (and rolling back) a holder whose lease has
   * expired; throws {@link D1LockTimeoutError} at `deadline` (epoch ms, this isolate's clock).
   */
  async waitUntilFree(deadline: number, waitedSince: number): Promise<void> {
    let delay = 2;
    for (;;) {
      const [state] = await this.session.query({ sql: LOCK_STATE, params: [] });
      if (!state || state.holder === null) return;
      if (Number(state.expires_at) < Number(state.now)) {
        await this.recover();
        return;
      }
      if (Date.now() >= deadline) throw new D1LockTimeoutError(Date.now() - waitedSince);
      await sleep(Math.min(delay * (0.5 + Math.random()), Math.max(1, deadline - Date.now())));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Takes over an expired (or free) lock and rolls back what its holder left; then frees it. */
  async recover(): Promise<void> {
    const token = newToken();
    let undo: Array<Record<string, unknown>>;
    try {
      const rows = await this.session.batch([
        { sql: TAKE_OVER, params: [token, this.leaseMs] },
        this.mine(token),
        { sql: UNDO_STATEMENTS, params: [] },
      ]);
      undo = rows[2] ?? [];
    } catch (error) {
      if (isGuardFailure(error)) return; // someone else holds it (or took it over) now
      throw error;
    }
    await this.rollback(token, undo);
  }

  /** Commits `token`'s transaction: empties the journal and frees the lock, atomically. */
  async commit(token: string): Promise<void> {
    try {
      await this.session.batch([
        this.mine(token),
        { sql: CLEAR_UNDO, params: [] },
        { sql: RELEASE, params: [token] },
      ]);
    } catch (error) {
      if (isGuardFailure(error)) throw new D1LockLostError();
      throw error;
    }
  }

  /**
   * Rolls back `token`'s transaction: runs the journal newest first, empties it and frees the
   * lock, in one batch (`undo`: the journal when already read). A lost lock is left alone: its
   * new holder rolled the journal back already.
   */
  async rollback(token: string, undo?: Array<Record<string, unknown>>): Promise<void> {
    try {
      const statements =
        undo ??
        (await this.session.batch([this.mine(token), { sql: UNDO_STATEMENTS, params: [] }]))[1] ??
        [];
      await this.session.batch([
        this.mine(token),
        ...statements.map((row) => ({ sql: String(row.statement), params: [] })),
        { sql: CLEAR_UNDO, params: [] },
        { sql: RELEASE, params: [token] },
      ]);
    } catch (error) {
      if (!isGuardFailure(error)) throw error;
    }
  }
}
