/**
 * `ratchet worker`: a Node host on the database until SIGTERM/SIGINT, then a graceful stop
 * (running stages get up to 30 s, the rest go back to the queue), the database closed, exit 0.
 * It prints one line per step forward of the runs it works on (`--json`: one event per line).
 */
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { describeTarget } from "../db/target.js";
import { ProgressTracker } from "../progress/tracker.js";
import { PlainRenderer } from "../render/plain.js";
import { createEngine, flushOutbox, workerProfile } from "../runtime/engine.js";
import { listenForInterrupt } from "../runtime/interrupt.js";
import { createCliLogger } from "../runtime/logger.js";
import { resolveWorkflows, workflowModuleUrl } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet worker`. */
export const workerCommand: CommandSpec = {
  name: "worker",
  summary: "Run a worker until SIGTERM/SIGINT",
  description:
    "Starts a worker host: it claims pending runs, executes their stages (up to --concurrency at once), checks suspended stages, retries, and publishes events. On SQLite a watch on the database file wakes it when another process writes (it also polls every 500 ms, in case the watch misses a change); on PostgreSQL LISTEN/NOTIFY wakes it at once. SIGTERM or SIGINT stops it gracefully: no new work is taken, running stages get up to 30 s, the rest go back to the queue, the database is closed, and it exits 0. A second signal ends it at once.",
  positionals: [],
  options: {
    concurrency: {
      type: "string",
      value: "<n>",
      description: "stages executed at once (1–256)",
      defaultText: "10",
    },
    workflows: WORKFLOWS_OPTION,
    "worker-id": {
      type: "string",
      value: "<id>",
      description: "this worker's id, unique per process",
      defaultText: "worker-<host pid>",
    },
  },
  examples: [
    "ratchet worker",
    "ratchet worker --concurrency 20 --database-url postgresql://postgres@127.0.0.1:5432/ratchet",
    "ratchet worker --workflows ./dist/workflows.js",
  ],
  async run(context) {
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
  },
};
