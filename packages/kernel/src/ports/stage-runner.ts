/**
 * Stage runner (optional port): runs the body of an isolated stage (`isolation` on a stage or
 * task, `.isolated()` on a workflow) somewhere else — a child process, a worker thread — so a
 * body that blocks cannot stop the host from heartbeating the job's lease.
 *
 * The kernel stays in charge of everything durable: it loads the run, builds the stage's input,
 * and commits the result with the same lease, fences and exactly-once commit as for any stage.
 * It hands the runner a JSON {@link IsolatedTask} to send to the child, and gets back the child's
 * last message. Meanwhile the runner passes each message of the child to `onMessage` (logs,
 * progress, metadata, emits, storage calls) and sends its replies back.
 *
 * The child finds the stage by importing `module` and looking the workflow up by id, version
 * and fingerprint, then the stage by id (`runIsolatedStage` of `@ratchet/kernel` does it; the
 * host only moves the messages). `@ratchet/host-node`'s `createIsolatedStageRunner` is the Node
 * implementation (child_process.fork and worker_threads). See docs/adr/0009-isolated-stages.md.
 */
import type { StageIsolation } from "../dsl/isolation.js";
import type {
  ChildMessage,
  IsolatedResult,
  IsolatedTask,
  StorageReply,
} from "../isolation/protocol.js";

/** One attempt of an isolated stage, as the kernel hands it to the runner. */
export interface StageRunRequest {
  /** Send this to the child as it is (JSON). */
  readonly task: IsolatedTask;
  /** Where and with which limits to run it. */
  readonly isolation: StageIsolation;
  /**
   * Aborted when the run is cancelled, the stage's `timeoutMs` passes, the lease is lost or the
   * host stops: tell the child (`{ type: "abort" }`), kill it after a short grace, and reject
   * with `signal.reason`.
   */
  readonly signal: AbortSignal;
  /**
   * Call with each message the child sends before its last one; send the reply, when there is
   * one (a storage call's), back to the child. Never rejects.
   */
  onMessage(message: ChildMessage): Promise<StorageReply | undefined>;
}

/** Runs isolated stage bodies; see the module comment. */
export interface StageRunner {
  /**
   * Starts the child, sends it `request.task`, and resolves with its last message (the output
   * or the error the stage threw). Rejects with a `RatchetError` when the child could not run
   * the stage to its end: it crashed (a non-zero exit, a signal, out of memory), exceeded
   * `isolation.timeoutMs`, or was killed because `request.signal` was aborted (then with the
   * signal's reason).
   */
  run(request: StageRunRequest): Promise<IsolatedResult>;
}
