/**
 * The gateway's broker: the attempts of external stages waiting for a worker or held by one,
 * the workers waiting for a job (long-poll claims), and the workers' leases.
 *
 * An attempt enters when the kernel hands its body to the gateway's stage runner (the host
 * already holds the job's lease in the database and heartbeats it). A worker claims it under a
 * lease token and must heartbeat within `leaseMs`; when it does not, the attempt goes back to
 * the queue and the next claim gets it under a new token — the old token is refused from then
 * on (`LEASE_LOST`), so a worker that comes back late changes nothing. `complete`/`fail` settle
 * the attempt once; the kernel then commits it under its own fence.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { ChildMessage, IsolatedResult, IsolatedTask, StorageReply } from "@ratchet/kernel";
import { type ClaimedJob, PROTOCOL_VERSION } from "./protocol.js";

/** One attempt of an external stage at the gateway. */
interface Offer {
  readonly jobId: string;
  readonly task: string;
  readonly request: IsolatedTask;
  readonly onMessage: (message: ChildMessage) => Promise<StorageReply | undefined>;
  readonly settle: (outcome: IsolatedResult | { lost: unknown }) => void;
  /** Set while a worker holds it. */
  holder?:
    | { token: string; workerId: string; expiresAt: number; timer: NodeJS.Timeout }
    | undefined;
  /** Reports are applied in order, before the result. */
  reports: Promise<void>;
}

interface Waiter {
  readonly workerId: string;
  readonly tasks: ReadonlySet<string>;
  readonly deliver: (job: ClaimedJob | null) => void;
}

/** Why a call about a held job was refused. */
export type HeldResult<T> = { ok: true; value: T } | { ok: false; code: "LEASE_LOST" };

/** Where the broker reports what went wrong with workers. */
export interface BrokerLogger {
  warn(message: string, context?: Record<string, unknown>): void;
}

/** See the module comment. */
export class Broker {
  private readonly offers = new Map<string, Offer>();
  private readonly queue: Offer[] = [];
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly leaseMs: number,
    private readonly logger: BrokerLogger,
  ) {}

  /** Attempts queued or held now. */
  get size(): number {
    return this.offers.size;
  }

  /** Adds an attempt; resolves with its result, or rejects when `signal` aborts. */
  offer(
    task: string,
    request: IsolatedTask,
    signal: AbortSignal,
    onMessage: Offer["onMessage"],
  ): Promise<IsolatedResult> {
    return new Promise<IsolatedResult>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const jobId = randomUUID();
      const onAbort = () => this.drop(jobId, { lost: signal.reason });
      const offer: Offer = {
        jobId,
        task,
        request,
        onMessage,
        reports: Promise.resolve(),
        settle: (outcome) => {
          signal.removeEventListener("abort", onAbort);
          if ("lost" in outcome) reject(outcome.lost);
          else resolve(outcome);
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.offers.set(jobId, offer);
      this.enqueue(offer);
    });
  }

  /**
   * A worker's claim: the first queued attempt of one of `tasks`, or the first to come within
   * `waitMs`, or `null`. `cancelled` ends the wait (the client went away).
   */
  claim(
    workerId: string,
    tasks: readonly string[],
    waitMs: number,
    cancelled: AbortSignal,
  ): Promise<ClaimedJob | null> {
    const wanted = new Set(tasks);
    const index = this.queue.findIndex((offer) => wanted.has(offer.task));
    if (index >= 0) {
      const [offer] = this.queue.splice(index, 1);
      return Promise.resolve(this.hold(offer as Offer, workerId));
    }
    if (waitMs <= 0 || cancelled.aborted) return Promise.resolve(null);
    return new Promise<ClaimedJob | null>((resolve) => {
      const finish = (job: ClaimedJob | null) => {
        clearTimeout(timer);
        cancelled.removeEventListener("abort", onCancel);
        this.waiters.delete(waiter);
        resolve(job);
      };
      const waiter: Waiter = { workerId, tasks: wanted, deliver: finish };
      const timer = setTimeout(() => finish(null), waitMs);
      const onCancel = () => finish(null);
      cancelled.addEventListener("abort", onCancel, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Extends the lease of a held job. */
  heartbeat(jobId: string, token: string): HeldResult<{ leaseExpiresAt: string }> {
    const offer = this.held(jobId, token);
    if (!offer?.holder) return { ok: false, code: "LEASE_LOST" };
    this.extend(offer);
    return { ok: true, value: { leaseExpiresAt: new Date(offer.holder.expiresAt).toISOString() } };
  }

  /** Passes a log or progress report to the attempt's ctx (and extends the lease). */
  report(jobId: string, token: string, message: ChildMessage): HeldResult<undefined> {
    const offer = this.held(jobId, token);
    if (!offer) return { ok: false, code: "LEASE_LOST" };
    this.extend(offer);
    offer.reports = offer.reports.then(async () => {
      await offer.onMessage(message);
    });
    return { ok: true, value: undefined };
  }

  /** Settles a held job with its output or error; later calls with its token are refused. */
  finish(jobId: string, token: string, result: IsolatedResult): HeldResult<undefined> {
    const offer = this.held(jobId, token);
    if (!offer) return { ok: false, code: "LEASE_LOST" };
    this.remove(offer);
    void offer.reports.then(() => offer.settle(result));
    return { ok: true, value: undefined };
  }

  /** Gives a held job back (its claimer went away before receiving it): first in the queue. */
  release(jobId: string, token: string): void {
    const offer = this.held(jobId, token);
    if (!offer?.holder) return;
    clearTimeout(offer.holder.timer);
    offer.holder = undefined;
    this.queue.unshift(offer);
  }

  /** Drops every attempt (rejecting it with `reason`) and ends every waiting claim. */
  close(reason: unknown): void {
    for (const jobId of [...this.offers.keys()]) this.drop(jobId, { lost: reason });
    for (const waiter of [...this.waiters]) waiter.deliver(null);
  }

  private held(jobId: string, token: string): Offer | undefined {
    const offer = this.offers.get(jobId);
    return offer?.holder && offer.holder.token === token ? offer : undefined;
  }

  private drop(jobId: string, outcome: { lost: unknown }): void {
    const offer = this.offers.get(jobId);
    if (!offer) return;
    this.remove(offer);
    offer.settle(outcome);
  }

  private remove(offer: Offer): void {
    this.offers.delete(offer.jobId);
    if (offer.holder) clearTimeout(offer.holder.timer);
    offer.holder = undefined;
    const index = this.queue.indexOf(offer);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Hands `offer` to a waiting worker serving its task, or queues it. */
  private enqueue(offer: Offer): void {
    for (const waiter of this.waiters)
      if (waiter.tasks.has(offer.task)) {
        this.waiters.delete(waiter);
        waiter.deliver(this.hold(offer, waiter.workerId));
        return;
      }
    this.queue.push(offer);
  }

  private hold(offer: Offer, workerId: string): ClaimedJob {
    const token = randomBytes(18).toString("base64url");
    const expiresAt = Date.now() + this.leaseMs;
    const timer = setTimeout(() => this.expire(offer, token), this.leaseMs);
    offer.holder = { token, workerId, expiresAt, timer };
    const { request } = offer;
    return {
      jobId: offer.jobId,
      leaseToken: token,
      leaseExpiresAt: new Date(expiresAt).toISOString(),
      leaseMs: this.leaseMs,
      task: offer.task,
      workflowId: request.workflowId,
      workflowVersion: request.workflowVersion,
      workflowRunId: request.workflowRunId,
      stageId: request.stageId,
      attempt: request.attempt,
      maxAttempts: request.maxAttempts,
      input: request.input,
      config: request.config,
      runInput: request.runInput,
      outputs: request.outputs,
      metadata: request.metadata,
    };
  }

  private extend(offer: Offer): void {
    const holder = offer.holder;
    if (!holder) return;
    clearTimeout(holder.timer);
    holder.expiresAt = Date.now() + this.leaseMs;
    holder.timer = setTimeout(() => this.expire(offer, holder.token), this.leaseMs);
  }

  /** The holder missed its heartbeat: the attempt goes to the next worker. */
  private expire(offer: Offer, token: string): void {
    if (!this.offers.has(offer.jobId) || offer.holder?.token !== token) return;
    this.logger.warn(
      `[ratchet] [external-workers] worker "${offer.holder.workerId}" lost the lease of job ${offer.jobId} (task "${offer.task}", run ${offer.request.workflowRunId}, stage "${offer.request.stageId}", attempt ${offer.request.attempt}): no heartbeat within ${this.leaseMs} ms; offering it to another worker`,
      { protocolVersion: PROTOCOL_VERSION },
    );
    offer.holder = undefined;
    this.enqueue(offer);
  }
}
