/** The rows of signals and of the stages waiting for them (see `records.ts`). */
import type { JsonValue } from "./json.js";

/** A signal sent to a run (`run.signal`), buffered until a waiting stage consumes it. */
export interface SignalRecord {
  id: string;
  /** The run it was sent to; `null` when it was sent by key to whichever run waits for it. */
  runId: string | null;
  name: string;
  /** The key a keyed signal matches (e.g. an order id); `null` for a signal sent to a run. */
  matchKey: string | null;
  payload: JsonValue;
  sentAt: Date;
  consumedAt: Date | null;
  /** The stage record that consumed it. */
  consumedBy: string | null;
}

/** Fields a caller provides to store a signal (not yet consumed). */
export type NewSignal = Omit<SignalRecord, "consumedAt" | "consumedBy">;

/** What a waiting stage waits as. */
export type SignalWaitKind = "signal" | "approval" | "child";

/** A stage waiting for a signal: by run (`matchKey` null) or by key. */
export interface SignalWaitRecord {
  /** The waiting stage record (one wait per stage record). */
  stageRecordId: string;
  runId: string;
  /** The stage's id in its workflow. */
  stageId: string;
  name: string;
  matchKey: string | null;
  kind: SignalWaitKind;
  createdAt: Date;
  /** When the wait times out; `null`: never. */
  expiresAt: Date | null;
}
