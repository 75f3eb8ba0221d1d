/**
 * Counters of one serverless host instance: one per container (Lambda) or isolate (Workers),
 * since the host lives in module scope between invocations.
 */
import type { HandleJobOutcome } from "./result.js";

/** What `getStats()` returns. */
export interface ServerlessHostStats {
  workerId: string;
  /** When this host instance was created (the container's cold start). */
  startedAt: Date;
  uptimeMs: number;
  /** Messages given to `handleJob`. */
  messagesHandled: number;
  /** Of those, messages rejected as `INVALID_MESSAGE`. */
  invalidMessages: number;
  /** Jobs executed, by `handleJob` and `processAvailableJobs` together. */
  jobsProcessed: number;
  /** Settled messages and jobs, by outcome. */
  outcomes: Record<HandleJobOutcome, number>;
  /** Unexpected errors (database or transport) while handling a message or a job. */
  errors: number;
  /** Jobs dequeued but given back because the time budget ran out. */
  jobsReleased: number;
  /** Jobs running now. */
  running: number;
  maintenanceTicks: number;
  /** Outbox events published, by `runMaintenanceTick` and `publishEvents` together. */
  eventsPublished: number;
  /** Outbox events whose publication failed (dead-lettered ones included), by both. */
  eventsFailed: number;
  /** Heartbeats sent (each renews every running job's lease). */
  heartbeats: number;
  heartbeatErrors: number;
}

/** Mutable counters behind {@link ServerlessHostStats}. */
export class StatsCounter {
  readonly startedAt = new Date();
  messagesHandled = 0;
  invalidMessages = 0;
  jobsProcessed = 0;
  errors = 0;
  jobsReleased = 0;
  running = 0;
  maintenanceTicks = 0;
  eventsPublished = 0;
  eventsFailed = 0;
  heartbeatErrors = 0;
  readonly outcomes: Record<HandleJobOutcome, number> = {
    completed: 0,
    suspended: 0,
    retrying: 0,
    failed: 0,
    cancelled: 0,
    skipped: 0,
  };

  /** A snapshot, safe to hand out. */
  snapshot(workerId: string, heartbeats: number): ServerlessHostStats {
    return {
      workerId,
      startedAt: new Date(this.startedAt),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      messagesHandled: this.messagesHandled,
      invalidMessages: this.invalidMessages,
      jobsProcessed: this.jobsProcessed,
      outcomes: { ...this.outcomes },
      errors: this.errors,
      jobsReleased: this.jobsReleased,
      running: this.running,
      maintenanceTicks: this.maintenanceTicks,
      eventsPublished: this.eventsPublished,
      eventsFailed: this.eventsFailed,
      heartbeats,
      heartbeatErrors: this.heartbeatErrors,
    };
  }
}
