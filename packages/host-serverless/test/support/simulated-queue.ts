/**
 * A simulated push queue (SQS / Cloudflare Queues) for end-to-end tests. {@link
 * SimulatedQueue.wrap} wraps a job transport so every enqueued job also sends a `{ jobId }`
 * message. A real sender would publish after the enqueueing transaction commits; here the
 * message is queued at once but only delivered once its job is visible outside the
 * transaction (`getJob`), so a message never outruns its commit, and a message whose
 * transaction rolled back is dropped after a few looks. Delivery is at least once: some
 * messages are delivered twice, in the same batch or later.
 */
import type { JobTransport, NewJob } from "@ratchet/kernel";

/** A message on the queue. */
export interface QueueMessage {
  messageId: string;
  /** JSON, as SQS and Cloudflare deliver it: `{"jobId":"…"}`. */
  body: string;
  jobId: string;
  /** Deliveries so far. */
  receiveCount: number;
  /** Looks that found its job not yet visible. */
  invisibleLooks: number;
}

/** Options of {@link SimulatedQueue}. */
export interface SimulatedQueueOptions {
  /** Every n-th message sent is sent twice (a duplicate delivery); 0 turns it off. */
  duplicateEvery?: number;
}

/** An in-memory at-least-once queue of job messages. */
export class SimulatedQueue {
  private readonly messages: QueueMessage[] = [];
  private nextId = 1;
  /** Every message ever sent, duplicates included, for replay. */
  readonly log: QueueMessage[] = [];
  sent = 0;
  duplicatesSent = 0;
  dropped = 0;
  private inner: JobTransport | undefined;

  constructor(private readonly options: SimulatedQueueOptions = {}) {}

  /** Messages waiting. */
  get size(): number {
    return this.messages.length;
  }

  /** Wraps `transport` so enqueued jobs also send messages; use the result for the kernel. */
  wrap(transport: JobTransport): JobTransport {
    this.inner = transport;
    const wrapped: JobTransport = Object.create(transport);
    wrapped.enqueue = async (jobs, scope) => {
      await transport.enqueue(jobs, scope);
      this.send(jobs);
    };
    return wrapped;
  }

  private send(jobs: readonly NewJob[]): void {
    for (const job of jobs) {
      this.push(job.jobId);
      this.sent++;
      const every = this.options.duplicateEvery ?? 0;
      if (every > 0 && this.sent % every === 0) {
        this.push(job.jobId);
        this.duplicatesSent++;
      }
    }
  }

  private push(jobId: string): void {
    const message: QueueMessage = {
      messageId: `m-${this.nextId++}`,
      body: JSON.stringify({ jobId }),
      jobId,
      receiveCount: 0,
      invisibleLooks: 0,
    };
    this.messages.push(message);
    this.log.push(message);
  }

  /**
   * Takes up to `max` deliverable messages (their job is committed). Messages whose job is
   * not visible stay queued; after 20 looks they are dropped (their transaction rolled back).
   */
  async receive(max: number): Promise<QueueMessage[]> {
    const out: QueueMessage[] = [];
    const kept: QueueMessage[] = [];
    while (this.messages.length > 0) {
      const message = this.messages.shift() as QueueMessage;
      if (out.length >= max) {
        kept.push(message);
        continue;
      }
      const visible = (await this.inner?.getJob(message.jobId)) != null;
      if (visible) {
        message.receiveCount++;
        out.push(message);
      } else if (++message.invisibleLooks >= 20) {
        this.dropped++;
      } else {
        kept.push(message);
      }
    }
    this.messages.push(...kept);
    return out;
  }

  /** Puts a delivered message back (the consumer asked for a retry). */
  retry(message: QueueMessage): void {
    this.messages.push(message);
  }
}
