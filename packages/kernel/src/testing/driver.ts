/**
 * A deterministic driver: runs workflows by dispatching the same commands a host would, one
 * step at a time, with no timers. When nothing is ready it moves the fake clock forward to let
 * back-offs, polls and schedules come due.
 */
import type { JobExecuteResult } from "../commands/index.js";
import { runDuties } from "../duties/run-duties.js";
import type { Kernel } from "../kernel.js";
import type { Clock } from "../ports/clock.js";
import type { JobTransport } from "../ports/job-transport.js";
import type { Persistence } from "../ports/persistence/index.js";
import type { RunRecord } from "../records.js";
import { isTerminalRunStatus } from "../records.js";

/** A clock the driver can move. */
export interface AdvanceableClock extends Clock {
  advance(ms: number): void;
}

/** What one {@link Driver.tick} did. */
export interface TickResult {
  claimed: number;
  executed: JobExecuteResult[];
  polled: number;
  fired: number;
  published: number;
  /** Whether anything happened. */
  busy: boolean;
}

/** Options of {@link Driver.runToCompletion} and {@link Driver.drain}. */
export interface DriveOptions {
  /** Most ticks before giving up (default 10 000). */
  maxTicks?: number;
  /** How far to move the clock when idle (default 1 000 ms). */
  idleStepMs?: number;
  /** Most fake time to move in total (default 24 h). */
  maxIdleMs?: number;
  /** Called after every tick (e.g. to inject faults). */
  onTick?: (tick: TickResult, index: number) => void | Promise<void>;
}

/** Drives a kernel deterministically. */
export interface Driver {
  /**
   * One round: the hosts' duties (`runDuties`) in their order, with a dequeue and the jobs it
   * took run right after the claim.
   */
  tick(): Promise<TickResult>;
  /** Ticks until the run is terminal; returns its final record. Throws if it never ends. */
  runToCompletion(workflowRunId: string, options?: DriveOptions): Promise<RunRecord>;
  /**
   * Ticks until every run this kernel can run (of a definition it registered) is terminal; runs
   * of other definitions are left waiting for a worker that has them.
   */
  drain(options?: DriveOptions): Promise<void>;
}

/** Options of {@link createDriver}. */
export interface DriverConfig {
  kernel: Kernel;
  jobTransport: JobTransport;
  persistence: Persistence;
  clock: AdvanceableClock;
  workerId?: string;
  /** Jobs taken per dequeue (default 10). */
  batchSize?: number;
}

/** Creates a {@link Driver}. */
export function createDriver(config: DriverConfig): Driver {
  const { kernel, jobTransport, persistence, clock } = config;
  const workerId = config.workerId ?? "test-driver";
  const batchSize = config.batchSize ?? 10;

  const tick = async (): Promise<TickResult> => {
    const executed: JobExecuteResult[] = [];
    // The hosts' duty list; the jobs come between the claim and the rest, as on a host whose
    // job loop runs while its maintenance tick goes on.
    const round = await runDuties(
      kernel,
      {
        workerId,
        maxClaimsPerTick: batchSize,
        maxSuspendedChecksPerTick: batchSize,
        staleLeaseThresholdMs: 0,
      },
      {
        afterDuty: async (name) => {
          if (name !== "claim") return;
          const jobs = await jobTransport.dequeue({
            workerId,
            limit: batchSize,
            leaseMs: kernel.options.jobLeaseMs,
            now: clock.now(),
            routes: kernel.routes,
          });
          for (const job of jobs)
            executed.push(await kernel.dispatch({ type: "job.execute", workerId, job }));
        },
      },
    );
    const { claim, poll, reapStale, reapStuck, schedule, outbox } = round.results;
    const claimed = claim?.claimed.length ?? 0;
    const polled = poll?.checked ?? 0;
    const fired = schedule?.fired ?? 0;
    const published = outbox?.published ?? 0;
    const busy =
      claimed +
        executed.length +
        polled +
        fired +
        (reapStale?.released ?? 0) +
        (reapStale?.failed ?? 0) +
        (reapStuck?.repaired.length ?? 0) +
        published >
      0;
    return { claimed, executed, polled, fired, published, busy };
  };

  const drive = async (
    done: () => Promise<boolean>,
    what: string,
    options: DriveOptions = {},
  ): Promise<void> => {
    const maxTicks = options.maxTicks ?? 10_000;
    const idleStepMs = options.idleStepMs ?? 1_000;
    const maxIdleMs = options.maxIdleMs ?? 24 * 60 * 60 * 1000;
    let idleMs = 0;
    for (let i = 0; i < maxTicks; i++) {
      if (await done()) return;
      const result = await tick();
      await options.onTick?.(result, i);
      if (!result.busy) {
        if (idleMs >= maxIdleMs) break;
        clock.advance(idleStepMs);
        idleMs += idleStepMs;
      }
    }
    if (await done()) return;
    throw new Error(
      `[ratchet] [testing] ${what} did not finish within ${maxTicks} ticks / ${maxIdleMs} ms of fake time`,
    );
  };

  return {
    tick,
    async runToCompletion(workflowRunId, options) {
      let last: RunRecord | null = null;
      await drive(
        async () => {
          last = await persistence.getRun(workflowRunId);
          if (!last) throw new Error(`[ratchet] [testing] run ${workflowRunId} does not exist`);
          return isTerminalRunStatus(last.status);
        },
        `run ${workflowRunId}`,
        options,
      );
      return last as unknown as RunRecord;
    },
    async drain(options) {
      await drive(
        async () => {
          // Runs of definitions this kernel lacks are another worker's to finish.
          const routes = kernel.routes;
          const [pending, running] = await Promise.all([
            persistence.listRuns({ status: "PENDING", routes, limit: 1 }),
            persistence.listRuns({ status: "RUNNING", routes, limit: 1 }),
          ]);
          return pending.length === 0 && running.length === 0;
        },
        "drain",
        options,
      );
    },
  };
}
