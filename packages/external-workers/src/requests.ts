/** Checks of the protocol's request bodies: each returns the fields or throws `INVALID_REQUEST`. */
import type { JsonValue, LogLevel } from "@ratchet/kernel";
import { ProtocolError } from "./http.js";
import { LOG_LEVELS, PROTOCOL_VERSION } from "./protocol.js";

type Body = Record<string, unknown>;

const invalid = (message: string) => new ProtocolError(400, "INVALID_REQUEST", message);

/** The body as an object of a supported protocol version. */
export function asBody(value: unknown): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("the body must be a JSON object");
  const body = value as Body;
  if (body.protocolVersion !== undefined && body.protocolVersion !== PROTOCOL_VERSION)
    throw new ProtocolError(
      400,
      "UNSUPPORTED_PROTOCOL_VERSION",
      `protocolVersion ${JSON.stringify(body.protocolVersion)} is not supported; this gateway speaks ${PROTOCOL_VERSION}`,
    );
  return body;
}

/** A non-empty string field (up to `max` characters). */
export function text(body: Body, field: string, max = 256): string {
  const value = body[field];
  if (typeof value !== "string" || value.length === 0 || value.length > max)
    throw invalid(`${field} must be a string of 1-${max} characters`);
  return value;
}

/** The fields of a claim. */
export function claimFields(body: Body, maxWaitMs: number) {
  const workerId = text(body, "workerId", 200);
  const tasks = body.tasks;
  if (
    !Array.isArray(tasks) ||
    tasks.length === 0 ||
    tasks.length > 100 ||
    !tasks.every((t) => typeof t === "string" && t.length > 0 && t.length <= 128)
  )
    throw invalid("tasks must be a list of 1-100 task names");
  const waitMs = body.waitMs ?? 0;
  if (typeof waitMs !== "number" || !Number.isFinite(waitMs) || waitMs < 0)
    throw invalid("waitMs must be a number of ms >= 0");
  return { workerId, tasks: tasks as string[], waitMs: Math.min(waitMs, maxWaitMs) };
}

/** The fields of a progress report. */
export function progressFields(body: Body) {
  const progress = body.progress;
  if (typeof progress !== "number" || !(progress >= 0 && progress <= 100))
    throw invalid("progress must be a number from 0 to 100");
  if (body.message !== undefined && typeof body.message !== "string")
    throw invalid("message must be a string");
  return {
    progress,
    ...(typeof body.message === "string" ? { message: body.message } : {}),
    ...(body.details !== undefined ? { details: body.details as JsonValue } : {}),
  };
}

/** The fields of a log line. */
export function logFields(body: Body) {
  const level = body.level ?? "info";
  if (!LOG_LEVELS.includes(level as LogLevel))
    throw invalid(`level must be one of ${LOG_LEVELS.join(", ")}`);
  const message = text(body, "message", 10_000);
  return {
    level: level as LogLevel,
    message,
    ...(body.data !== undefined ? { data: body.data as JsonValue } : {}),
  };
}

/** The fields of a failure. */
export function failFields(body: Body) {
  const error = body.error;
  if (typeof error !== "object" || error === null || Array.isArray(error))
    throw invalid("error must be an object { message, name?, code? }");
  const e = error as Body;
  const message = text(e, "message", 10_000);
  const name = e.name === undefined ? "ExternalWorkerError" : text(e, "name", 200);
  const code = e.code === undefined ? undefined : text(e, "code", 200);
  const retryable = body.retryable ?? true;
  if (typeof retryable !== "boolean") throw invalid("retryable must be a boolean");
  return { name, message, ...(code !== undefined ? { code } : {}), nonRetryable: !retryable };
}
