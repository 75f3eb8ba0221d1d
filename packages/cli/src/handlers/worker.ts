/**
 * What `ratchet worker` does (its definition is `commands/worker.ts`): a Node host on the
 * database until SIGTERM/SIGINT, then a graceful stop.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "../db/with-database.js";
import { ProgressTracker } from "../progress/tracker.js";
import { PlainRenderer } from "../render/plain.js";
import { createEngine, flushOutbox, workerProfile } from "../runtime/engine.js";
import { listenForInterrupt } from "../runtime/interrupt.js";
import { createCliLogger } from "../runtime/logger.js";
import { resolveWorkflows, workflowModuleUrl } from "../runtime/workflows.js";

/** Runs `ratchet worker`; resolves to the exit code. */
export async function runWorker(context: CommandContext): Promise<number> {
  const { out, err, globals, options } = context;
  const concurrency = integerOption(options, "concurrency", { min: 1, max: 256, fallback: 10 });
  const workerId = stringOption(options, "worker-id") ?? `worker-${process.pid}`;
  const modulePath = stringOption(options, "workflows");
  const workflows = await resolveWorkflows(modulePath, context.io.cwd);
  const workflowModule = workflowModuleUrl(modulePath, context.io.cwd);
  return withDatabase(context, async (stack, target) => {
    const tracker = new ProgressTracker({ autoTrack: true, forgetFinished: true });
    const renderer = new PlainRenderer(out, tracker);
    const log = createCliLogger(err, false);
    const engine = createEngine({
      stack,
      workflows,
      workerId,
      ...(workflowModule === undefined ? {} : { workflowModule }),
      profile: workerProfile(stack.provider, concurrency),
      logger: log.logger,
      eventSink: {
        emit: async (event) => {
          if (globals.json) out.line(JSON.stringify(event));
          else tracker.applyEvent(event);
        },
      },
    });
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      listenForInterrupt((signal) => {
        if (!globals.quiet && !globals.json)
          out.line(`received ${signal}: stopping (running stages get up to 30 s)…`);
        resolve(signal);
      });
    });
    if (!globals.quiet && !globals.json) renderer.start();
    await engine.host.start();
    const ids = workflows.map((w) => w.id);
    if (globals.json) {
      out.line(
        JSON.stringify({
          type: "worker.started",
          workerId,
          workflows: ids,
          concurrency,
          database: target.display,
        }),
      );
    } else if (!globals.quiet) {
      out.line(
        `worker ${workerId} started: ${ids.join(", ")}; concurrency ${concurrency}; ${describeTarget(target)}`,
      );
      out.line(out.style.dim("Press Ctrl-C to stop."));
    }
    await stopped;
    const { released } = await engine.host.stop();
    await flushOutbox(engine.kernel, workerId);
    renderer.stop();
    if (globals.json) out.line(JSON.stringify({ type: "worker.stopped", workerId, released }));
    else if (!globals.quiet)
      out.line(
        `worker ${workerId} stopped${released > 0 ? `; ${released} job(s) handed back to the queue` : ""}`,
      );
    return ExitCode.OK;
  });
}
