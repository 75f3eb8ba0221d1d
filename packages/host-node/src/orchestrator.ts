/**
 * Maintenance: one tick every `orchestrationIntervalMs`, never two at once (the next is
 * scheduled only when the current one has finished), plus a quick claim of pending runs when
 * a "run" wake-up arrives.
 */
import { type MaintenanceTickResult, runMaintenanceTick } from "@ratchet/host-common";
import type { ResolvedNodeHostOptions } from "./options.js";

/** Runs maintenance ticks until stopped. */
export class Orchestrator {
  ticks = 0;
  lastTick: MaintenanceTickResult | undefined;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedNodeHostOptions,
    /** Called when claims or resumed stages may have produced jobs. */
    private readonly onWork: () => void,
  ) {}

  /** Starts ticking; the first tick runs at once. */
  start(): void {
    this.running = true;
    this.current = this.tick();
  }

  private async tick(): Promise<void> {
    try {
      const result = await runMaintenanceTick(this.options.kernel, {
        workerId: this.options.workerId,
        maxClaimsPerTick: this.options.maxClaimsPerTick,
        maxSuspendedChecksPerTick: this.options.maxSuspendedChecksPerTick,
        maxOutboxFlushPerTick: this.options.maxOutboxFlushPerTick,
        maxScheduledPerTick: this.options.maxScheduledPerTick,
        staleLeaseThresholdMs: this.options.staleLeaseThresholdMs,
        ...(this.options.stuckRunThresholdMs === undefined
          ? {}
          : { stuckRunThresholdMs: this.options.stuckRunThresholdMs }),
      });
      this.ticks++;
      this.lastTick = result;
      for (const failure of result.failures)
        this.options.logger.warn(
          `[ratchet] [host-node] maintenance duty ${failure.duty} failed: ${failure.message}`,
        );
      if (
        result.claimed +
          result.resumed +
          result.staleReleased +
          result.stuckRepaired +
          result.scheduledFired >
        0
      )
        this.onWork();
    } finally {
      this.current = undefined;
      if (this.running) {
        this.timer = setTimeout(() => {
          this.current = this.tick();
        }, this.options.orchestrationIntervalMs);
      }
    }
  }

  /** Claims pending runs now (single-flight: a request during a claim runs one more after it). */
  claimSoon(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = (async () => {
      do {
        this.claimAgain = false;
        try {
          const result = await this.options.kernel.dispatch({
            type: "run.claimPending",
            workerId: this.options.workerId,
            maxClaims: this.options.maxClaimsPerTick,
          });
          if (result.claimed.length > 0) this.onWork();
          if (result.claimed.length === this.options.maxClaimsPerTick) this.claimAgain = true;
        } catch (error) {
          this.options.logger.warn("[ratchet] [host-node] claiming pending runs failed", error);
        }
      } while (this.claimAgain && this.running);
    })().finally(() => {
      this.claiming = undefined;
    });
  }

  /**
   * Publishes outbox events soon (single-flight, at most one flush per `flushDelayMs`), so
   * events of finished stages go out promptly without waiting for the next tick.
   */
  flushSoon(flushDelayMs = 50): void {
    if (!this.running || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushing = (async () => {
        try {
          await this.options.kernel.dispatch({
            type: "outbox.flush",
            workerId: this.options.workerId,
            maxEvents: this.options.maxOutboxFlushPerTick,
          });
        } catch (error) {
          this.options.logger.warn("[ratchet] [host-node] publishing events failed", error);
        } finally {
          this.flushTimer = undefined;
          this.flushing = undefined;
        }
      })();
    }, flushDelayMs);
  }

  /** Stops ticking and waits for a tick or claim in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushTimer && !this.flushing) clearTimeout(this.flushTimer);
    await Promise.allSettled([this.current, this.claiming, this.flushing]);
  }
}
