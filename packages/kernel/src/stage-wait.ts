/**
 * `stageWaitOf`: what a waiting stage waits for, read from its record — for tools that show
 * runs to people (`ratchet status`, a dashboard). The kernel keeps the wait inside the stage's
 * `suspendedState`; this is the one public reading of it.
 */
import { decodeWaitState } from "./internal/waits/state.js";
import type { SignalWaitKind, StageRecord } from "./records.js";

/** What a waiting stage (a signal, approval, child workflow or map step) waits for. */
export interface StageWait {
  /**
   * `signal`: a `run.signal`; `approval`: an `approval.decide`; `child`: a child run's end;
   * `map`: the ends of a map's item runs.
   */
  kind: SignalWaitKind | "map";
  /** The signal's name (`approval:<step>` for an approval, `child:<run id>` for a child). */
  name: string;
  /** The key a keyed signal must carry; `null`: sent to the run. */
  key: string | null;
  /** When the wait times out (an approval: expires); `null`: never. */
  timeoutAt: Date | null;
  /** The child run waited for (`child` only). */
  childRunId: string | null;
  /** A map's progress: its items, how many have ended, how many run at once. */
  map: { items: number; ended: number; concurrency: number } | null;
  /**
   * The wait has ended (the signal or decision came, the time-out passed, the child ended) and
   * the stage resumes at its next check.
   */
  resolved: boolean;
}

const KINDS: ReadonlySet<string> = new Set<StageWait["kind"]>([
  "signal",
  "approval",
  "child",
  "map",
]);

/** Whether a stored wait's kind is one {@link StageWait} describes. */
function isShownKind(kind: unknown): kind is StageWait["kind"] {
  return typeof kind === "string" && KINDS.has(kind);
}

/**
 * What `stage` waits for, or `null` when it is not waiting for a signal, an approval, a child
 * or a map's items (not `SUSPENDED`, or an async-batch stage).
 *
 * @example
 * ```ts
 * const details = await queries.getRun(runId);
 * for (const stage of details?.stages ?? []) {
 *   const wait = stageWaitOf(stage);
 *   if (wait) console.log(`${stage.stageId} waits for ${wait.kind} ${wait.name}`);
 * }
 * ```
 */
export function stageWaitOf(
  stage: Pick<StageRecord, "status" | "suspendedState">,
): StageWait | null {
  if (stage.status !== "SUSPENDED") return null;
  let state: ReturnType<typeof decodeWaitState>;
  try {
    state = decodeWaitState(stage.suspendedState);
  } catch {
    return null; // an async batch's own state that merely has a `wait` field
  }
  const wait = state?.wait;
  if (!wait || !isShownKind(wait.kind) || typeof wait.name !== "string") return null;
  return {
    kind: wait.kind,
    name: wait.name,
    key: typeof wait.matchKey === "string" ? wait.matchKey : null,
    timeoutAt: wait.timeoutAt instanceof Date ? wait.timeoutAt : null,
    childRunId: typeof wait.childRunId === "string" ? wait.childRunId : null,
    map: state?.map
      ? { items: state.map.total, ended: state.map.ended, concurrency: state.map.concurrency }
      : null,
    resolved: state?.resolution !== undefined,
  };
}
