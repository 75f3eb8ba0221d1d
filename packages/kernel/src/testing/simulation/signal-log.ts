/**
 * The simulation's record of the signals it sent: to which run or key, with what payload, and
 * what `run.signal` answered. The model judges a signal step's output against it, and the wait
 * invariants check every answer against the store.
 */
import type { JsonValue } from "../../records.js";

/** What a send came to: `run.signal`'s answer, or the error it rejected with. */
export type SignalSendOutcome =
  | {
      status: "delivered" | "buffered" | "duplicate";
      /** The run and stage that took it, when delivered. */
      runId?: string;
      stageId?: string;
    }
  | {
      /**
       * The error's code (`RUN_ENDED` …), `CRASH` when the process died, `DATABASE_ERROR` for an
       * injected database error, else `ERROR`.
       */
      error: string;
    };

/** One `run.signal` the simulation sent. */
export interface SignalSend {
  readonly signalId: string;
  readonly name: string;
  /** Sent to this run (else by key). */
  readonly runId?: string;
  /** Sent by this key. */
  readonly key?: string;
  readonly payload: JsonValue;
  /** The simulation step it was sent at. */
  readonly step: number;
  /**
   * Sent to a run that had ended before the send began, with an id nothing was stored under:
   * it must be refused with `RUN_ENDED`.
   */
  readonly toEndedRun: boolean;
  /** How it ended; `undefined` while it runs (or forever, if its process died paused). */
  outcome: SignalSendOutcome | undefined;
}

/**
 * The sends, in the order they began, and by signal id.
 *
 * @example
 * ```ts
 * const send = log.add({ signalId: "sig-1", name: "reply", runId, payload: { n: 1 }, step: 4, toEndedRun: false });
 * send.outcome = { status: "buffered" };
 * log.sendsOf("sig-1"); // [send]
 * ```
 */
export class SignalLog {
  /** Every send, oldest first. */
  readonly sends: SignalSend[] = [];
  private readonly byId = new Map<string, SignalSend[]>();

  /** Records a send as it begins. */
  add(send: Omit<SignalSend, "outcome">): SignalSend {
    const entry: SignalSend = { ...send, outcome: undefined };
    this.sends.push(entry);
    const list = this.byId.get(send.signalId);
    if (list) list.push(entry);
    else this.byId.set(send.signalId, [entry]);
    return entry;
  }

  /** The sends made with `signalId`, oldest first. */
  sendsOf(signalId: string): readonly SignalSend[] {
    return this.byId.get(signalId) ?? [];
  }

  /** Whether a send accepted it: `run.signal` answered `delivered` or `buffered`. */
  static accepted(send: SignalSend): boolean {
    const outcome = send.outcome;
    return (
      outcome !== undefined &&
      "status" in outcome &&
      (outcome.status === "delivered" || outcome.status === "buffered")
    );
  }
}
