/**
 * Heartbeats for the jobs a host runs: one timer renews every running job's lease in a single
 * `job.heartbeat` command, never two at once, and aborts jobs whose lease was lost or whose
 * run was cancelled.
 */
import type { Kernel } from "@ratchet/kernel";
import { RatchetError } from "@ratchet/kernel";

/** A running job's abort handle. */
interface Running {
  controller: AbortController;
}

/** Keeps the leases of running jobs alive. */
export class HeartbeatGroup {
  private readonly running = new Map<string, Running>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating = false;
  /** Heartbeats sent so far. */
  beats = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
    /** Called after each heartbeat that went through (e.g. to log that a failing one recovered). */
    private readonly onBeat: () => void = () => {},
  ) {}

  /** Starts beating for `jobId`; returns a function that stops. */
  add(jobId: string, controller: AbortController): () => void {
    this.running.set(jobId, { controller });
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.intervalMs);
      this.timer.unref?.();
    }
    return () => {
      this.running.delete(jobId);
      if (this.running.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Ids of the jobs running now. */
  jobIds(): string[] {
    return [...this.running.keys()];
  }

  /** Sends one heartbeat for every running job (skipped while the previous one is in flight). */
  async beat(): Promise<void> {
    if (this.beating || this.running.size === 0) return;
    this.beating = true;
    try {
      const result = await this.kernel.dispatch({
        type: "job.heartbeat",
        workerId: this.workerId,
        jobIds: this.jobIds(),
        leaseMs: this.leaseMs,
      });
      this.beats++;
      for (const jobId of [...result.lost, ...result.cancelled]) {
        const entry = this.running.get(jobId);
        entry?.controller.abort(
          new RatchetError(
            result.cancelled.includes(jobId) ? "RUN_CANCELLED" : "LEASE_LOST",
            `[ratchet] job ${jobId} must stop`,
            { jobId },
          ),
        );
      }
      this.onBeat();
    } catch (error) {
      this.onError(error);
    } finally {
      this.beating = false;
    }
  }

  /** Stops the timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
