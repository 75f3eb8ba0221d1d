/**
 * A driver transaction that starts only when its first statement needs it. A transaction whose
 * writes were all held back (see `SqlExecutor.write`) never starts one: its single combined
 * statement runs on its own, atomically, saving `BEGIN` and `COMMIT` — a round trip and a
 * server transaction each.
 */
import type { SqlDriver, SqlSession, TransactionLimits } from "./driver.js";

interface Opened {
  session: Promise<SqlSession>;
  /** Lets the driver's transaction function return (commit) or throw `error` (roll back). */
  settle(error?: unknown): void;
  /** The driver's transaction: resolves once committed, rejects once rolled back. */
  done: Promise<void>;
}

/** A transaction of `driver`, opened by the first call to {@link LazyTransaction.session}. */
export class LazyTransaction {
  private opened: Opened | undefined;

  constructor(
    private readonly driver: SqlDriver,
    private readonly limits: TransactionLimits,
    private readonly onOpen: () => void = () => {},
  ) {}

  /** Whether the transaction has started. */
  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** The transaction's session, starting the transaction the first time. */
  session(): Promise<SqlSession> {
    if (!this.opened) this.opened = this.open();
    return this.opened.session;
  }

  private open(): Opened {
    this.onOpen();
    let give!: (session: SqlSession) => void;
    let settle!: (error?: unknown) => void;
    const session = new Promise<SqlSession>((resolve) => {
      give = resolve;
    });
    const gate = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // When BEGIN itself fails nothing ever awaits the gate, and rolling back rejects it:
    // that must not surface as an unhandled rejection (which ends a Node process).
    gate.catch(() => undefined);
    const done = this.driver.transaction(async (s) => {
      give(s);
      await gate;
    }, this.limits);
    // A transaction that cannot start (no connection in time) fails its first statement.
    const failed = done.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => Promise.reject(error),
    );
    return { session: Promise.race([session, failed]), settle, done };
  }

  /** Commits (when open); rejects if the commit fails. */
  async commit(): Promise<void> {
    if (!this.opened) return;
    this.opened.settle();
    await this.opened.done;
  }

  /** Rolls back (when open); never rejects. */
  async rollback(reason: unknown): Promise<void> {
    if (!this.opened) return;
    this.opened.settle(reason ?? new Error("[ratchet] [prisma] rolled back"));
    await this.opened.done.catch(() => undefined);
  }
}
