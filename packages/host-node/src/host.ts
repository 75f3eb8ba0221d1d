/**
 * `createNodeHost`: a long-running worker. It runs jobs concurrently with heartbeats, wakes on
 * notifications (falling back to polling that backs off while idle), runs maintenance ticks
 * that never overlap, and shuts down gracefully.
 */
import type { MaintenanceTickResult } from "@ratchet/host-common";
import { JobLoop } from "./job-loop.js";
import { type NodeHostOptions, resolveOptions } from "./options.js";
import { Orchestrator } from "./orchestrator.js";
import { RepeatedWarnings } from "./repeated-warnings.js";

/** Runtime figures of a host. */
export interface NodeHostStats {
  workerId: string;
  isRunning: boolean;
  uptimeMs: number;
  jobsProcessed: number;
  /** Jobs run as local continuations of the run before them (no dequeue). */
  jobsContinued: number;
  /** Jobs running now. */
  inFlight: number;
  orchestrationTicks: number;
  /** The wait between maintenance ticks now (grows while idle). */
  maintenanceIntervalMs: number;
  /** Dequeue statements issued. */
  jobPolls: number;
  wakeups: number;
  outcomes: Record<
    "completed" | "suspended" | "retrying" | "failed" | "cancelled" | "skipped",
    number
  >;
  lastTick: MaintenanceTickResult | undefined;
}

/** A Node worker host. */
export interface NodeHost {
  /** Starts the loops (idempotent). */
  start(): Promise<void>;
  /**
   * Stops taking work, waits up to `shutdownTimeoutMs` for running stages, then hands the rest
   * back to the queue; resolves when everything has stopped. Returns how many jobs were handed back.
   */
  stop(): Promise<{ released: number }>;
  /** Looks for work now (e.g. after creating a run in this process). */
  wake(): void;
  getStats(): NodeHostStats;
}

/**
 * Creates a Node worker host.
 *
 * @example
 * ```ts
 * const stack = await createPostgresStack({ url });
 * const kernel = createKernel({ ...stack, eventSink, registry }); // stack.clock included
 * const host = createNodeHost({ kernel, jobTransport: stack.jobTransport, wakeups: stack.wakeups, handleSignals: true,
 *   onSignalStop: () => stack.close() });
 * await host.start();
 * ```
 */
export function createNodeHost(input: NodeHostOptions): NodeHost {
  const options = resolveOptions(input);
  const warnings = new RepeatedWarnings(options.logger, {
    intervalMs: options.repeatedWarningIntervalMs,
    prefix: "[ratchet] [host-node]",
  });
  const jobs = new JobLoop(options, warnings);
  const orchestrator = new Orchestrator(options, () => jobs.wake(), warnings, jobs);
  jobs.onJobDone = (result) => {
    orchestrator.noteActivity();
    orchestrator.flushSoon();
    // A sleep or poll that suspended its stage is next due then: tick at that time.
    if (result?.outcome === "suspended" && result.nextPollAt)
      orchestrator.wakeAt(result.nextPollAt);
  };
  let startedAt: number | undefined;
  let unsubscribe: (() => void) | undefined;
  let wakeups = 0;
  let stopping: Promise<{ released: number }> | undefined;
  const signalHandlers = new Map<NodeJS.Signals, () => void>();

  const host: NodeHost = {
    async start() {
      if (startedAt !== undefined) return;
      startedAt = options.clock.now().getTime();
      stopping = undefined;
      unsubscribe = options.wakeups?.subscribe((kind) => {
        wakeups++;
        orchestrator.noteActivity();
        if (kind === "run") orchestrator.claimSoon();
        else if (kind === "due") orchestrator.tickSoon();
        else jobs.wake();
      });
      orchestrator.start();
      jobs.start();
      if (options.handleSignals) {
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
          const handler = () => {
            void host.stop().then(() => options.onSignalStop?.(signal));
          };
          signalHandlers.set(signal, handler);
          process.once(signal, handler);
        }
      }
    },

    stop() {
      if (startedAt === undefined) return stopping ?? Promise.resolve({ released: 0 });
      if (stopping) return stopping;
      stopping = (async () => {
        unsubscribe?.();
        unsubscribe = undefined;
        for (const [signal, handler] of signalHandlers) process.off(signal, handler);
        signalHandlers.clear();
        const [released] = await Promise.all([
          jobs.stop(options.shutdownTimeoutMs),
          orchestrator.stop(),
        ]);
        // Repeats of a warning not logged yet are counted now, not lost.
        warnings.flush();
        startedAt = undefined;
        return { released };
      })();
      return stopping;
    },

    wake() {
      orchestrator.claimSoon();
      jobs.wake();
    },

    getStats() {
      return {
        workerId: options.workerId,
        isRunning: startedAt !== undefined && stopping === undefined,
        uptimeMs: startedAt === undefined ? 0 : options.clock.now().getTime() - startedAt,
        jobsProcessed: jobs.stats.jobsProcessed,
        jobsContinued: jobs.stats.continued,
        inFlight: jobs.inFlightCount,
        orchestrationTicks: orchestrator.ticks,
        maintenanceIntervalMs: orchestrator.delayMs,
        jobPolls: jobs.stats.polls,
        wakeups,
        outcomes: { ...jobs.stats.outcomes },
        lastTick: orchestrator.lastTick,
      };
    },
  };
  return host;
}
