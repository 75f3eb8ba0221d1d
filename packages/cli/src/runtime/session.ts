/**
 * Running runs in this process while showing them (the demo, `run --wait`): creates the
 * runs, starts an in-process host, shows progress (live or plain) from the event sink and
 * from records read for the display, and awaits every run's end (`awaitRunResult`) until the
 * time is up or SIGINT/SIGTERM.
 * Afterwards the host is stopped, the outbox flushed, and the last frame drawn.
 */
import type { AnyWorkflow, Kernel, RunRecord, StageRecord, WorkflowEvent } from "@ratchet/kernel";
import type { PrismaStack } from "@ratchet/prisma";
import type { CommandContext } from "../commands/spec.js";
import type { ProgressTracker } from "../progress/tracker.js";
import { createRenderer, progressKind } from "../render/renderer.js";
import { createEngine, flushOutbox, INTERACTIVE_PROFILE } from "./engine.js";
import { listenForInterrupt } from "./interrupt.js";
import { createCliLogger } from "./logger.js";
import { snapshot, watchRuns } from "./watch.js";

/** Options of {@link runAndWatch}. */
export interface SessionOptions {
  context: CommandContext;
  stack: PrismaStack;
  workflows: readonly AnyWorkflow[];
  tracker: ProgressTracker;
  workerId: string;
  /** Creates the runs (and tracks them); returns their ids. */
  create(kernel: Kernel): Promise<string[]>;
  /** Sees every published event too. */
  onEvent?: (event: WorkflowEvent) => void;
  /** Lines under the live view. */
  footer?: () => readonly string[];
  /** Give up waiting after this long (default: never). */
  timeoutMs?: number;
}

/** How a session ended. */
export interface SessionResult {
  outcome: "ended" | "timeout" | "aborted";
  runIds: string[];
  /** The runs' final records. */
  runs: RunRecord[];
  /** The final stage records of each run in `runs`, by run id. */
  stagesByRun: ReadonlyMap<string, StageRecord[]>;
  /** The signal that interrupted the wait, if one did. */
  interruptedBy: NodeJS.Signals | undefined;
}

/** Creates runs, executes them in this process, and shows their progress until they end. */
export async function runAndWatch(options: SessionOptions): Promise<SessionResult> {
  const { context, stack, tracker, workerId } = options;
  const kind = progressKind(context.out, context.io, context.globals);
  const log = createCliLogger(context.err, kind === "live");
  const engine = createEngine({
    stack,
    workflows: options.workflows,
    eventSink: {
      emit: async (event) => {
        tracker.applyEvent(event);
        options.onEvent?.(event);
      },
    },
    profile: INTERACTIVE_PROFILE,
    logger: log.logger,
    workerId,
  });
  const runIds = await options.create(engine.kernel);
  const renderer = createRenderer(
    kind,
    context.out,
    tracker,
    options.footer ? { footer: options.footer } : {},
  );
  const interrupt = listenForInterrupt();
  renderer.start();
  try {
    await engine.host.start();
    engine.host.wake();
    const result = await watchRuns({
      queries: stack.queries,
      tracker,
      runIds,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      signal: interrupt.signal,
      awaitEnd: (runId, signal) => stack.awaitRunResult(runId, { signal }),
    });
    await engine.host.stop();
    await flushOutbox(engine.kernel, workerId);
    const final = await snapshot(stack.queries, tracker, runIds);
    return {
      outcome: result.outcome,
      runIds,
      runs: final.map((details) => details.run),
      stagesByRun: new Map(final.map((details) => [details.run.id, details.stages])),
      interruptedBy: interrupt.received(),
    };
  } finally {
    interrupt.dispose();
    await engine.host.stop();
    renderer.stop();
    log.flush();
  }
}
