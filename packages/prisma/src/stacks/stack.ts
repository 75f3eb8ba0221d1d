/**
 * What the stack helpers return: every port `createKernel` needs from storage, over one
 * Prisma client and one shared executor.
 */
import type {
  BlobStore,
  Clock,
  JobTransport,
  Persistence,
  RunEndSource,
  RunQueries,
  RunResult,
  Scheduler,
} from "@ratchet/kernel/adapter";
import { blobStoreOver } from "../blob-store/index.js";
import { jobQueueOver } from "../job-transport/index.js";
import { persistenceOver } from "../persistence/index.js";
import type { DatabaseProvider } from "../provider.js";
import { runQueriesOver } from "../run-queries/index.js";
import { schedulerOver } from "../scheduler/index.js";
import type { SqlExecutor } from "../sql/executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import type { WakeupSource } from "../sql/wakeups.js";
import type { AwaitRunResultOptions } from "./await-run.js";

/** Storage ports over one database, ready for `createKernel`. */
export interface PrismaStack<Client extends RawRootClient = RawRootClient> {
  provider: DatabaseProvider;
  /** The Prisma client (disconnected by `close()`). */
  prisma: Client;
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  blobStore: BlobStore;
  /** Read-side queries over the same database, for tools that show runs (not for `createKernel`). */
  queries: RunQueries;
  /**
   * The clock the kernel and hosts should use with this stack: on PostgreSQL the database
   * server's clock (a `DatabaseClock`, unless `clock: "system"`), so every worker judges
   * leases by the same time; on SQLite the system clock of the one machine the file is on.
   */
  clock: Clock;
  /** Migrations applied when the stack was created. */
  migrationsApplied: string[];
  /**
   * "There may be work now" signals for hosts: in-process after commit, and on PostgreSQL
   * across processes through LISTEN/NOTIFY.
   */
  wakeups: WakeupSource;
  /**
   * "This run may have ended" notices: on PostgreSQL through LISTEN/NOTIFY (sent by the
   * transaction that ends the run), on SQLite in-process and through a watch on the file,
   * with a poll while anyone subscribes. What {@link PrismaStack.awaitRunResult} waits on.
   */
  runEnds: RunEndSource;
  /**
   * Resolves with the run's result once it has ended — `COMPLETED` with its output, or its
   * final status with its error — woken by {@link PrismaStack.runEnds}, not by polling fast.
   * Rejects with `RunAwaitTimeoutError` (`RUN_AWAIT_TIMEOUT`) after `timeoutMs`, with
   * `RunNotFoundError` for an unknown run, with `signal.reason` when `signal` aborts. Any
   * process may await any run: the run goes on whatever the waiter does.
   *
   * @example
   * ```ts
   * const { workflowRunId } = await kernel.dispatch({ type: "run.create", workflowId: "counter", input: { n: 1 } });
   * const result = await stack.awaitRunResult(workflowRunId, { timeoutMs: 30_000, workflow: counter });
   * if (result.status === "COMPLETED") console.log(result.output.n); // typed by `counter`
   * else console.error(result.status, result.error?.message);
   * ```
   */
  awaitRunResult<Output = unknown>(
    runId: string,
    options?: AwaitRunResultOptions<Output>,
  ): Promise<RunResult<Output>>;
  /** Disconnects the client. */
  close(): Promise<void>;
}

/** Builds the ports over an executor. */
export function portsOver(
  db: SqlExecutor,
): Pick<PrismaStack, "persistence" | "jobTransport" | "scheduler" | "blobStore" | "queries"> {
  return {
    persistence: persistenceOver(db),
    jobTransport: jobQueueOver(db),
    scheduler: schedulerOver(db),
    blobStore: blobStoreOver(db),
    queries: runQueriesOver(db),
  };
}
