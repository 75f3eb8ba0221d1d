/**
 * What a waiting stage keeps in its `suspendedState`: the input it hands on, what it waits for,
 * and — once something ended the wait — the {@link WaitResolution}, written under the run's lock
 * before the stage resumes, so a crash in between resumes with the same resolution.
 */
import { decodeValue, encodeValue } from "../../codec.js";
import type { WaitResolution } from "../../dsl/waits.js";
import type { JsonObject, JsonValue, SignalWaitKind } from "../../records.js";

/** What a stage waits for. */
export interface WaitTarget {
  kind: SignalWaitKind | "map";
  /** The signal name (for a child: `child:<child run id>`). */
  name: string;
  matchKey: string | null;
  timeoutAt: Date | null;
  childRunId?: string;
}

/** A map's progress: its children are `<stage record id>.<index>`, released in order. */
export interface MapProgress {
  workflowId: string;
  total: number;
  /** The next child to release (children from here on are held `SCHEDULED`). */
  next: number;
  /** Children that ended (completed or not). */
  ended: number;
  concurrency: number;
  onError: "fail-fast" | "wait-all";
}

/** A waiting stage's state. */
export interface WaitState {
  input: unknown;
  wait: WaitTarget;
  map?: MapProgress;
  /** A child step: which attempt's child it waits for (1 when absent). */
  childAttempt?: number;
  resolution?: WaitResolution;
}

/** The state as stored (encoded JSON). */
export function encodeWaitState(state: WaitState): JsonValue {
  return encodeValue(state, "state");
}

/** The stored state read back; `null` when the stage is not a waiting one. */
export function decodeWaitState(stored: JsonValue | null): WaitState | null {
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return null;
  if (!("wait" in (stored as JsonObject))) return null;
  return decodeValue<WaitState>(stored);
}
