/**
 * The job loop: keeps up to `concurrency` stages running. It dequeues as many jobs as it has
 * free slots, in one statement; polls again at once whenever a job finishes (work a stage
 * enqueues is picked up without waiting) or a wake-up arrives; and otherwise polls on a timer
 * that backs off while the queue is empty, so an idle host costs almost nothing.
 */
import { executeJob, HeartbeatGroup } from "@ratchet/host-common";
import type { DequeuedJob, JobExecuteResult } from "@ratchet/kernel";
import { DueTimer } from "./due-timer.js";
import type { ResolvedNodeHostOptions } from "./options.js";
import type { RepeatedWarnings } from "./repeated-warnings.js";

/** Counters of the job loop. */
export interface JobLoopStats {
  jobsProcessed: number;
  /** Jobs run as local continuations (no dequeue). */
  continued: number;
  polls: number;
  outcomes: Record<JobExecuteResult["outcome"], number>;
}

/** Runs jobs until stopped. */
export class JobLoop {
  readonly stats: JobLoopStats = {
    jobsProcessed: 0,
    continued: 0,
    polls: 0,
    outcomes: { completed: 0, suspended: 0, retrying: 0, failed: 0, cancelled: 0, skipped: 0 },
  };
  private readonly inFlight = new Map<
    string,
    { job: DequeuedJob; controller: AbortController; done: Promise<void> }
  >();
  private readonly heartbeats: HeartbeatGroup;
  private running = false;
  private reserved = 0;
  /** A poll found no free slot (all running or reserved for a claim): poll once slots free up. */
  private slotsWanted = false;
  private polling = false;
  private pollAgain = false;
  /** A {@link JobLoop.wakeSoon} is waiting for the next turn. */
  private wakeScheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleDelayMs: number;

  /** Called whenever a job finished (e.g. to publish its events soon), with its result if it ran. */
  onJobDone: (result: JobExecuteResult | undefined) => void = () => {};
  /** The poll in progress (or the last one), so `stop` can wait for a dequeue still out. */
  private polled: Promise<void> = Promise.resolve();
  /** Polls when a retried job's back-off ends, if that is before the next poll. */
  private readonly due: DueTimer;

  constructor(
    private readonly options: ResolvedNodeHostOptions,
    /** Where failures of dequeues and heartbeats are logged, repeats rate-limited. */
    private readonly warnings: RepeatedWarnings,
  ) {
    this.idleDelayMs = options.jobPollIntervalMs;
    this.due = new DueTimer(() => this.wake(), options.clock);
    this.heartbeats = new HeartbeatGroup(
      options.kernel,
      options.workerId,
      options.leaseMs,
      options.heartbeatIntervalMs,
      (error) => warnings.warn("heartbeat", "[ratchet] [host-node] heartbeat failed", error),
      () => warnings.ok("heartbeat"),
    );
  }

  /** Jobs running now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Slots free for more jobs now: neither running a job nor reserved (0 once stopping). */
  get freeSlots(): number {
    return this.running
      ? Math.max(0, this.options.concurrency - this.inFlight.size - this.reserved)
      : 0;
  }

  /**
   * Holds up to `count` free slots for jobs that will arrive already leased (a claim with
   * `continueWith`), so polls do not fill them meanwhile; returns how many it holds. Hand them
   * back with {@link JobLoop.adopt}.
   */
  reserve(count: number): number {
    const held = Math.min(count, this.freeSlots);
    this.reserved += held;
    return held;
  }

  /**
   * Runs jobs already leased to this host in `reserved` slots held with
   * {@link JobLoop.reserve}, and frees the slots it did not use. Jobs beyond them, or that
   * arrive while the host stops, are handed back to the queue.
   */
  adopt(jobs: readonly DequeuedJob[], reserved: number): void {
    this.reserved -= reserved;
    for (const job of jobs) {
      if (this.running && this.inFlight.size + this.reserved < this.options.concurrency) {
        this.stats.continued++;
        this.launch(job);
      } else {
        void this.handBack([job]);
      }
    }
    // A wake-up that came while the claim held every slot found none free and polled nothing:
    // poll now that the claim gave slots back, not at the next interval.
    if (this.slotsWanted && this.freeSlots > 0) this.wake();
  }

  /** Starts polling. */
  start(): void {
    this.running = true;
    this.wake();
  }

  /**
   * Polls at the next turn of the event loop: slots that free up in this turn (a batch of
   * completions returning together) go out in one dequeue, not one dequeue for the first and
   * another for the rest.
   */
  wakeSoon(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  /** Polls now (e.g. on a wake-up), resetting the idle back-off. */
  wake(): void {
    if (!this.running) return;
    this.idleDelayMs = this.options.jobPollIntervalMs;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.poll();
  }

  private poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polled;
    }
    this.polled = this.pollOnce();
    return this.polled;
  }

  /** Gives `jobs` back to the queue (no attempt used up). */
  private async handBack(jobs: readonly DequeuedJob[]): Promise<void> {
    const now = this.options.clock.now();
    await Promise.all(
      jobs.map((job) =>
        this.options.jobTransport.release(job.jobId, this.options.workerId, now).catch(() => false),
      ),
    );
  }

  private async pollOnce(): Promise<void> {
    this.polling = true;
    let idle = false;
    try {
      do {
        this.pollAgain = false;
        if (!this.running) break;
        // The slots stay held while the dequeue is out, so a claim meanwhile cannot promise
        // them too.
        const free = this.reserve(this.freeSlots);
        this.slotsWanted = free <= 0;
        if (free <= 0) break;
        this.stats.polls++;
        let jobs: DequeuedJob[] = [];
        try {
          jobs = await this.options.jobTransport.dequeue({
            workerId: this.options.workerId,
            limit: free,
            leaseMs: this.options.leaseMs,
            now: this.options.clock.now(),
            // Only jobs of runs whose definition this host registered.
            routes: this.options.kernel.routes,
          });
        } finally {
          this.reserved -= free;
        }
        this.warnings.ok("dequeue");
        if (!this.running) {
          // The host began stopping while the dequeue was out: its jobs go back at once, or
          // they would stay leased to a host that is gone until their lease ran out.
          await this.handBack(jobs);
          break;
        }
        for (const job of jobs) this.launch(job);
        if (jobs.length === free) this.pollAgain = true;
        idle = jobs.length === 0 && this.inFlight.size === 0;
      } while (this.pollAgain && this.running);
    } catch (error) {
      this.warnings.warn("dequeue", "[ratchet] [host-node] dequeue failed; retrying", error);
      idle = true;
    } finally {
      this.polling = false;
      this.schedule(idle);
    }
  }

  private schedule(idle: boolean): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = idle ? this.idleDelayMs : this.options.jobPollIntervalMs;
    if (idle) this.idleDelayMs = Math.min(this.idleDelayMs * 2, this.options.maxIdlePollIntervalMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private launch(job: DequeuedJob): void {
    const controller = new AbortController();
    let continued = false;
    let outcome: JobExecuteResult | undefined;
    const done = executeJob(this.options.kernel, job, {
      workerId: this.options.workerId,
      heartbeats: this.heartbeats,
      controller,
      continueWith: this.options.continueRunsLocally ? 1 : 0,
      // The slot this job frees takes queued work in the completion's own commit when the
      // run has no next stage for it (PostgreSQL), instead of a dequeue after it.
      refillFromQueue: true,
      leaseMs: this.options.leaseMs,
    })
      .then(async (result) => {
        outcome = result;
        if (result.outcome === "retrying") this.due.at(result.retryAt);
        this.stats.jobsProcessed++;
        this.stats.outcomes[result.outcome]++;
        // The next stage of the run, already leased to this host: run it now, in this slot
        // (which this job leaves first, so the host never counts both).
        const nextJobs = result.outcome === "completed" ? (result.next ?? []) : [];
        if (nextJobs.length > 0) this.inFlight.delete(job.jobId);
        for (const next of nextJobs) {
          if (this.running) {
            this.stats.continued++;
            continued = true;
            this.launch(next);
          } else {
            await this.handBack([next]);
          }
        }
      })
      .catch((error) => {
        this.options.logger.error(
          `[ratchet] [host-node] job ${job.jobId} (stage ${job.stageId}) could not be executed`,
          error,
        );
      })
      .finally(() => {
        this.inFlight.delete(job.jobId);
        this.onJobDone(outcome);
        // A freed slot looks for queued work at once (with the slots freed in the same turn).
        // A slot the run's next stage took over stays busy; new jobs elsewhere announce
        // themselves with a wake-up.
        if (this.running && !continued) this.wakeSoon();
      });
    this.inFlight.set(job.jobId, { job, controller, done });
  }

  /**
   * Stops taking jobs; waits up to `timeoutMs` for running ones; then aborts the rest and gives
   * their jobs back (`release`) so another host takes them without using up an attempt.
   * Returns how many were released.
   */
  async stop(timeoutMs: number): Promise<number> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due.clear();
    // A dequeue still out hands its jobs back (see `pollOnce`) before the host goes.
    await this.polled;
    const all = () => Promise.all([...this.inFlight.values()].map((entry) => entry.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([
      all().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    let released = 0;
    if (!finished) {
      const now = this.options.clock.now();
      for (const { job, controller } of this.inFlight.values()) {
        const ok = await this.options.jobTransport
          .release(job.jobId, this.options.workerId, now)
          .catch(() => false);
        if (ok) released++;
        controller.abort(
          new Error("[ratchet] [host-node] the host is shutting down; the job was handed back"),
        );
      }
      // Give aborted stages a moment to unwind; their late results cannot commit twice.
      await Promise.race([all(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    }
    this.heartbeats.close();
    return released;
  }
}
