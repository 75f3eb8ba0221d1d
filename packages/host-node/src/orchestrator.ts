/**
 * Maintenance: one tick every `orchestrationIntervalMs` (backing off to
 * `maxIdleOrchestrationIntervalMs` while ticks find nothing to do), never two at once (the next is
 * scheduled only when the current one has finished), plus a quick claim of pending runs when
 * a "run" wake-up arrives.
 */
import {
  type MaintenanceTickResult,
  outboxFlushWasFull,
  runMaintenanceTick,
} from "@ratchet/host-common";
import {
  type DequeuedJob,
  DUTIES,
  type DutyName,
  dutyCommand,
  type OutboxFlushCommand,
  type RunClaimPendingCommand,
} from "@ratchet/kernel";
import { DueTimer } from "./due-timer.js";
import type { ResolvedNodeHostOptions } from "./options.js";
import type { RepeatedWarnings } from "./repeated-warnings.js";

/**
 * The key a duty's failures are counted under (see `RepeatedWarnings`). The claim on a wake-up
 * and the flush after finished jobs are the `claim` and `outbox` duties' commands, so they
 * share those keys: the next tick that succeeds tells of their recovery too.
 */
const dutyKey = (name: DutyName) => `maintenance duty ${name}`;
const CLAIM = dutyKey("claim");
const OUTBOX = dutyKey("outbox");

/** Where claimed runs' first jobs can go straight away (the host's job loop). */
export interface JobSlots {
  /** Holds up to `count` free slots for jobs a claim will lease; returns how many it holds. */
  reserve(count: number): number;
  /** Runs jobs leased to this host in the `reserved` slots, freeing those left over. */
  adopt(jobs: readonly DequeuedJob[], reserved: number): void;
}

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
  private activeSinceTick = false;
  /** The wait before the next tick: the base interval, or more while idle. */
  delayMs: number;
  private flushing: Promise<void> | undefined;
  /**
   * Ticks early when a suspended stage, a scheduled command or a cron schedule is due before the
   * next tick.
   */
  private readonly due: DueTimer;
  private tickDue = false;

  constructor(
    private readonly options: ResolvedNodeHostOptions,
    /** Called when claims or resumed stages may have produced jobs. */
    private readonly onWork: () => void,
    /** Where failed duties, claims and flushes are logged, repeats rate-limited. */
    private readonly warnings: RepeatedWarnings,
    /** Takes the jobs a claim leases to this host (as many as it has free slots). */
    private readonly slots?: JobSlots,
  ) {
    this.delayMs = options.orchestrationIntervalMs;
    this.due = new DueTimer(() => this.tickSoon(), options.clock);
  }

  /** Starts ticking; the first tick runs at once. */
  start(): void {
    this.running = true;
    this.current = this.tick();
  }

  private async tick(): Promise<void> {
    try {
      const result = await runMaintenanceTick(this.options.kernel, this.options.maintenance);
      this.ticks++;
      this.lastTick = result;
      for (const { name } of DUTIES) {
        const failure = result.failures.find((f) => f.duty === name);
        if (!failure) this.warnings.ok(dutyKey(name));
        else
          this.warnings.warn(
            dutyKey(name),
            `[ratchet] [host-node] maintenance duty ${name} failed: ${failure.message}`,
          );
      }
      if (
        result.schedulesFired +
          result.claimed +
          result.resumed +
          result.staleReleased +
          result.stuckRepaired +
          result.scheduledFired >
        0
      )
        this.onWork();
      const busy =
        this.activeSinceTick ||
        result.failures.length > 0 ||
        result.schedulesFired +
          result.claimed +
          result.suspendedChecked +
          result.staleReleased +
          result.staleFailed +
          result.stuckRepaired +
          result.scheduledFired +
          result.eventsFlushed +
          result.eventsFailed +
          (result.runsPurged ?? 0) >
          0;
      this.activeSinceTick = false;
      if (result.nextDueAt) this.due.at(result.nextDueAt);
      // Back off while idle: each tick that found nothing doubles the wait, up to the maximum.
      this.delayMs = busy
        ? this.options.orchestrationIntervalMs
        : Math.min(this.delayMs * 2, this.options.maxIdleOrchestrationIntervalMs);
    } finally {
      this.current = undefined;
      this.schedule(this.tickDue ? 0 : this.delayMs);
      this.tickDue = false;
    }
  }

  /**
   * Something (a sleep's wake-up, a poll's next check) is due at `at`: ticks then if that is
   * before the next regular tick.
   */
  wakeAt(at: Date): void {
    if (this.running) this.due.at(at);
  }

  /**
   * Ticks now, or right after the tick in progress: something is due before the next regular
   * tick (the due timer fired, or a "due" wake-up told of a schedule created elsewhere).
   */
  tickSoon(): void {
    if (!this.running) return;
    if (this.current) {
      this.tickDue = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.current = this.tick();
    }, delayMs);
  }

  /**
   * Something happened (a job ran, a wake-up arrived): the next tick comes at the base
   * interval again instead of the idle back-off.
   */
  noteActivity(): void {
    this.activeSinceTick = true;
    if (this.delayMs === this.options.orchestrationIntervalMs) return;
    this.delayMs = this.options.orchestrationIntervalMs;
    if (this.timer) this.schedule(this.delayMs);
  }

  /**
   * Claims pending runs now (single-flight: a request during a claim runs one more after it).
   * With free slots, the claim leases the first jobs to this host and the job loop runs them.
   */
  claimSoon(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = (async () => {
      do {
        this.claimAgain = false;
        const reserved =
          this.options.continueRunsLocally && this.slots
            ? this.slots.reserve(this.options.maxClaimsPerTick)
            : 0;
        try {
          // The duty list's claim, with the tick's limits; the claimed runs' first jobs are
          // leased to the slots reserved for them.
          const claim = dutyCommand("claim", {
            ...this.options.maintenance,
            ...(reserved > 0
              ? { claimContinueWith: reserved, claimLeaseMs: this.options.leaseMs }
              : {}),
          }) as RunClaimPendingCommand;
          const result = await this.options.kernel.dispatch(claim);
          // The first jobs, leased to this host: start them now, without a dequeue.
          this.slots?.adopt(result.jobs ?? [], reserved);
          if (result.claimed.length > (result.jobs?.length ?? 0)) this.onWork();
          if (result.claimed.length === this.options.maxClaimsPerTick) this.claimAgain = true;
          this.warnings.ok(CLAIM);
        } catch (error) {
          this.slots?.adopt([], reserved);
          this.warnings.warn(CLAIM, "[ratchet] [host-node] claiming pending runs failed", error);
        }
      } while (this.claimAgain && this.running);
    })().finally(() => {
      this.claiming = undefined;
    });
  }

  /**
   * Publishes outbox events soon (single-flight, at most one flush per `flushDelayMs`), so
   * events of finished stages go out promptly without waiting for the next tick. A flush that
   * came back full (as many events as it may publish) is followed by the next one at once: under
   * load the outbox keeps up with the stages instead of falling further behind with every flush
   * (W1: at 100 events per flush and one flush per 50 ms, 73% of a run's events were still
   * unpublished when the last run ended) — and a child's end reaches its parent, which learns
   * of it from the published event, without that delay.
   */
  flushSoon(flushDelayMs = 50): void {
    if (!this.running || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushing = (async () => {
        let full = false;
        try {
          const command = dutyCommand("outbox", this.options.maintenance) as OutboxFlushCommand;
          const result = await this.options.kernel.dispatch(command);
          full = outboxFlushWasFull(command, result);
          this.warnings.ok(OUTBOX);
        } catch (error) {
          this.warnings.warn(OUTBOX, "[ratchet] [host-node] publishing events failed", error);
        } finally {
          this.flushTimer = undefined;
          this.flushing = undefined;
        }
        if (full) this.flushSoon(0);
      })();
    }, flushDelayMs);
  }

  /** Stops ticking and waits for a tick or claim in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due.clear();
    if (this.flushTimer && !this.flushing) clearTimeout(this.flushTimer);
    await Promise.allSettled([this.current, this.claiming, this.flushing]);
  }
}
