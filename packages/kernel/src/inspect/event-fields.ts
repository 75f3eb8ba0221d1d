/** Reading the fields of a run's outbox events, defensively (events of older versions differ). */
import type { JsonObject, OutboxRecord, StoredError } from "../records.js";

/** A string field, or `undefined`. */
export function stringField(payload: JsonObject, key: string): string | undefined {
  const value = payload[key];
  return typeof value === "string" ? value : undefined;
}

/** A finite number field, or `undefined`. */
export function numberField(payload: JsonObject, key: string): number | undefined {
  const value = payload[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** An ISO time field as a date, or `undefined`. */
export function dateField(payload: JsonObject, key: string): Date | undefined {
  const value = stringField(payload, key);
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The `error` of an event (`{ code, message, stack? }`), or `undefined`. */
export function errorField(payload: JsonObject): StoredError | undefined {
  const value = payload.error;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = value as JsonObject;
  const code = stringField(fields, "code");
  const message = stringField(fields, "message");
  if (code === undefined || message === undefined) return undefined;
  const error: StoredError = { code, message };
  const name = stringField(fields, "name");
  if (name !== undefined) error.name = name;
  const stack = stringField(fields, "stack");
  if (stack !== undefined) error.stack = stack;
  return error;
}

/** The stage an event concerns, or `null` for the run's own events. */
export function stageOf(event: OutboxRecord): string | null {
  return stringField(event.payload, "stageId") ?? null;
}

/** Milliseconds as people read them: `850 ms`, `1.2 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) {
    const s = ms / 1_000;
    return `${abs < 10_000 ? s.toFixed(1) : Math.round(s)} s`;
  }
  const totalS = Math.round(abs / 1_000);
  const sign = ms < 0 ? "-" : "";
  if (totalS < 3_600) {
    const m = Math.floor(totalS / 60);
    const s = totalS % 60;
    return `${sign}${m} min${s > 0 ? ` ${s} s` : ""}`;
  }
  const h = Math.floor(totalS / 3_600);
  const m = Math.floor((totalS % 3_600) / 60);
  return `${sign}${h} h${m > 0 ? ` ${m} min` : ""}`;
}

/** `CODE message` of an error, on one line. */
export function describeError(error: Pick<StoredError, "code" | "message">): string {
  const message = error.message.split("\n")[0] ?? "";
  return message.length > 0 ? `${error.code} ${message}` : error.code;
}
