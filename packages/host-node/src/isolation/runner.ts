/**
 * `createIsolatedStageRunner`: the Node `StageRunner` (see `ports/stage-runner.ts` of the
 * kernel). Each attempt of an isolated stage gets a fresh child — a forked process (the
 * default) or a worker thread — that imports the workflow module and runs the stage, while
 * this process's event loop stays free to heartbeat the job's lease.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type ChildMessage,
  type IsolatedResult,
  isIsolatedResult,
  NonRetryableError,
  RatchetError,
  type StageRunner,
  type StageRunRequest,
  toIsolatedError,
} from "@ratchet/kernel";
import { type ChildExit, type IsolatedChild, startChild } from "./children.js";

/** Options of {@link createIsolatedStageRunner}. */
export interface IsolatedStageRunnerOptions {
  /**
   * The module a child imports when the stage names none (`isolation.module`): a file URL or
   * an absolute path of the JavaScript module that exports the workflows. The CLI's
   * `ratchet worker --workflows <module>` passes that module.
   */
  module?: string | URL;
  /** The module per workflow id (over `module`). */
  modules?: Readonly<Record<string, string | URL>>;
  /**
   * After an abort (cancellation, `timeoutMs`, a lost lease, shutdown) the child is told to
   * stop and killed (SIGKILL, or `terminate()` for a thread) this long after (default 1 000 ms).
   */
  killGraceMs?: number;
  /** Extra `node` flags of child processes (they do not inherit this process's). */
  execArgv?: readonly string[];
  /**
   * The child entry module (default: `isolated-child.js` next to this package's `index.js`).
   * Only for bundled setups that move it.
   */
  childEntry?: string | URL;
}

/** The Node stage runner, and what it has running. */
export interface IsolatedStageRunner extends StageRunner {
  /** The pids (processes) and thread ids (threads) of the children running now. */
  readonly running: ReadonlySet<number>;
}

function toUrl(value: string | URL): URL {
  if (value instanceof URL) return value;
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !isAbsolute(value)
    ? new URL(value)
    : pathToFileURL(value);
}

/**
 * Creates the Node stage runner; pass it to `createKernel({ …, stageRunner })`.
 *
 * @example
 * ```ts
 * const kernel = createKernel({ ...stack, eventSink, registry,
 *   stageRunner: createIsolatedStageRunner({ module: new URL("./workflows.js", import.meta.url) }) });
 * ```
 */
export function createIsolatedStageRunner(
  options: IsolatedStageRunnerOptions = {},
): IsolatedStageRunner {
  const grace = options.killGraceMs ?? 1_000;
  if (!(Number.isFinite(grace) && grace >= 0))
    throw new RatchetError(
      "INVALID_RUNNER_OPTIONS",
      `[ratchet] killGraceMs must be a number of ms >= 0, got ${String(options.killGraceMs)}`,
      { field: "killGraceMs" },
    );
  const entry = toUrl(options.childEntry ?? new URL("./isolated-child.js", import.meta.url));
  const running = new Set<number>();
  const moduleFor = (request: StageRunRequest): string => {
    const { task, isolation } = request;
    const given = isolation.module ?? options.modules?.[task.workflowId] ?? options.module;
    if (given === undefined)
      throw new NonRetryableError(
        `[ratchet] isolated stage "${task.stageId}" of workflow "${task.workflowId}": no module to import in its child — set isolation.module (import.meta.url of the module exporting the workflow) or createIsolatedStageRunner({ module })`,
        {
          code: "ISOLATED_STAGE_MODULE_UNKNOWN",
          workflowId: task.workflowId,
          workflowRunId: task.workflowRunId,
          stageId: task.stageId,
        },
      );
    return toUrl(given).href;
  };
  return {
    running,
    run: async (request) => {
      const module = moduleFor(request);
      request.signal.throwIfAborted();
      const child = startChild({
        mode: request.isolation.mode,
        entry,
        ...(request.isolation.memoryMb !== undefined
          ? { memoryMb: request.isolation.memoryMb }
          : {}),
        execArgv: options.execArgv ?? [],
      });
      running.add(child.id);
      void child.exited.then(() => running.delete(child.id));
      return supervise(child, request, module, grace);
    },
  };
}

/** Runs one attempt in `child` to its result, its crash, or its kill. */
function supervise(
  child: IsolatedChild,
  request: StageRunRequest,
  module: string,
  grace: number,
): Promise<IsolatedResult> {
  const { task, isolation, signal } = request;
  const ids = {
    workflowId: task.workflowId,
    workflowRunId: task.workflowRunId,
    stageId: task.stageId,
  };
  const where = `isolated stage "${task.stageId}" (${isolation.mode} ${child.id})`;
  return new Promise<IsolatedResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let stopping: unknown;
    // Reports are applied in order, before the result is.
    let reports: Promise<void> = Promise.resolve();
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (limitTimer) clearTimeout(limitTimer);
      outcome();
    };
    const stop = (reason: unknown) => {
      if (stopping !== undefined) return;
      stopping = reason;
      child.send({ type: "abort", reason: toIsolatedError(reason) });
      killTimer = setTimeout(() => child.kill(), grace);
    };
    const onAbort = () => stop(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const limit = isolation.timeoutMs;
    const limitTimer =
      limit === undefined
        ? undefined
        : setTimeout(
            () =>
              stop(
                new RatchetError(
                  "ISOLATED_STAGE_TIMEOUT",
                  `[ratchet] ${where} ran past its isolation.timeoutMs of ${limit} ms and was killed`,
                  ids,
                ),
              ),
            limit,
          );
    child.onMessage((message) => {
      if (isIsolatedResult(message)) {
        // A process exits by itself (killed if it lingers); a thread is ended now.
        if (isolation.mode === "thread") child.kill();
        else killTimer ??= setTimeout(() => child.kill(), grace);
        void reports.then(() =>
          finish(() => (stopping !== undefined ? reject(stopping) : resolve(message))),
        );
        return;
      }
      reports = reports.then(async () => {
        const reply = await request.onMessage(message as ChildMessage);
        if (reply) child.send(reply);
      });
    });
    void child.exited.then((exit) => {
      if (killTimer) clearTimeout(killTimer);
      void reports.then(() =>
        finish(() => reject(stopping !== undefined ? stopping : crashError(where, exit, ids))),
      );
    });
    child.send({ type: "start", task, module });
  });
}

/** `ISOLATED_STAGE_CRASHED`, naming the exit code or signal, out of memory, and stderr's tail. */
function crashError(
  where: string,
  exit: ChildExit,
  ids: { workflowId: string; workflowRunId: string; stageId: string },
): RatchetError {
  const oom =
    (exit.error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY" ||
    /heap out of memory|Reached heap limit/i.test(exit.stderr);
  const how =
    exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
  const detail = exit.error
    ? `: ${exit.error.message}`
    : exit.stderr.trim()
      ? `; stderr: ${exit.stderr.trim().split("\n").slice(-5).join(" | ")}`
      : "";
  return new RatchetError(
    "ISOLATED_STAGE_CRASHED",
    `[ratchet] ${where} ${how} before it returned${oom ? " (out of memory: isolation.memoryMb exceeded)" : ""}${detail}`,
    ids,
  );
}
