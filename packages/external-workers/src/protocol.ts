/**
 * The external worker protocol, version 1: HTTP + JSON under `/v1`. Every request carries
 * `Authorization: Bearer <token>`; every JSON body may carry `protocolVersion` (when present it
 * must be {@link PROTOCOL_VERSION}). docs/workers.md documents each message with examples.
 *
 * - `POST /v1/claim` `{ workerId, tasks, waitMs? }` → `{ protocolVersion, job }` (`job: null`
 *   when nothing came within `waitMs`).
 * - `POST /v1/jobs/{jobId}/heartbeat` `{ leaseToken }` → `{ protocolVersion, leaseExpiresAt }`.
 * - `POST /v1/jobs/{jobId}/progress` `{ leaseToken, progress, message?, details? }`.
 * - `POST /v1/jobs/{jobId}/log` `{ leaseToken, level, message, data? }`.
 * - `POST /v1/jobs/{jobId}/complete` `{ leaseToken, output }`.
 * - `POST /v1/jobs/{jobId}/fail` `{ leaseToken, error: { message, name?, code? }, retryable? }`.
 *
 * Errors answer `{ protocolVersion, error: { code, message } }` with a 4xx status; `code` is one
 * of `EXTERNAL_WORKER_ERROR_CODES`.
 */
import type { JsonObject, JsonValue } from "@ratchet/kernel";

/** The protocol's version; also the `/v1` of its paths. */
export const PROTOCOL_VERSION = 1;

/** A job as `POST /v1/claim` hands it to a worker. */
export interface ClaimedJob {
  /** The gateway's id of this attempt; in the path of every later call. */
  jobId: string;
  /** Proves the claim: send it with every call; a stale one is refused (409 `LEASE_LOST`). */
  leaseToken: string;
  /** Heartbeat before this (ISO time), or the job goes to another worker. */
  leaseExpiresAt: string;
  /** The lease's length (ms): heartbeat every third of it. */
  leaseMs: number;
  task: string;
  workflowId: string;
  workflowVersion: string;
  workflowRunId: string;
  stageId: string;
  attempt: number;
  maxAttempts: number;
  /** The stage's input, after its input schema (the kernel's JSON encoding). */
  input: JsonValue;
  config: JsonValue;
  runInput: JsonValue;
  /** Outputs of earlier stages by stage id. */
  outputs: JsonObject;
  metadata: JsonObject;
}

/** The log levels a worker may send. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
