/**
 * What `ratchet demo` does (its definition is `commands/demo.ts`): creates the demo's runs,
 * executes them on a host in this process while showing their progress, then prints each run's
 * output and a summary.
 */
import { DEMO_URLS, documentPipeline } from "@ratchet/demo";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption } from "../cli/values.js";
import { DEMO_PIPELINE } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "../db/with-database.js";
import { demoTarget, resetDemoDatabase } from "../demo/database.js";
import { renderSummary, summarize } from "../demo/summary.js";
import { ProgressTracker } from "../progress/tracker.js";
import { errorText, formatDuration, runSymbol } from "../render/format.js";
import { renderValue } from "../render/values.js";
import { runAndWatch } from "../runtime/session.js";
import { stageIdsOf } from "../runtime/workflows.js";

/** The demo gives up waiting after this long. */
const DEMO_TIMEOUT_MS = 60_000;

function slugOf(url: string): string {
  return new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? url;
}

/** The documents of `count` runs: the corpus in order, repeated (`#2`, `#3`… on repeats). */
function documents(count: number): Array<{ url: string; label: string }> {
  return Array.from({ length: count }, (_, i) => {
    const url = DEMO_URLS[i % DEMO_URLS.length] ?? "";
    const round = Math.floor(i / DEMO_URLS.length);
    return { url, label: round === 0 ? slugOf(url) : `${slugOf(url)}#${round + 1}` };
  });
}

/** Runs `ratchet demo`; resolves to the exit code. */
export async function runDemo(context: CommandContext): Promise<number> {
  const { out, globals } = context;
  const count = integerOption(context.options, "runs", { min: 1, max: 50, fallback: 5 });
  const started = Date.now();
  const target = demoTarget(globals.databaseUrl, context.io.cwd);
  const fresh = resetDemoDatabase(target);
  const talk = !globals.quiet && !globals.json;
  const tracker = new ProgressTracker();
  let events = 0;

  return withDatabase(
    context,
    async (stack) => {
      if (talk) {
        out.line(`${out.style.bold("Ratchet demo")}: document pipeline, ${DEMO_PIPELINE}`);
        out.line(
          `database  ${describeTarget(target)}${fresh ? " (fresh)" : ""}; ${stack.migrationsApplied.length} migration(s) applied`,
        );
        out.line(`runs      ${count}, executed by a host in this process\n`);
      }
      const session = await runAndWatch({
        context,
        stack,
        workflows: [documentPipeline],
        tracker,
        workerId: `demo-${process.pid}`,
        timeoutMs: DEMO_TIMEOUT_MS,
        onEvent: () => {
          events++;
        },
        footer: () => {
          const ended = tracker.list().filter((r) => r.endedAt !== undefined).length;
          return [
            "",
            out.style.dim(`${ended}/${count} runs done · ${formatDuration(Date.now() - started)}`),
          ];
        },
        async create(kernel) {
          const ids: string[] = [];
          for (const doc of documents(count)) {
            const { workflowRunId } = await kernel.dispatch({
              type: "run.create",
              workflowId: documentPipeline.id,
              input: { url: doc.url },
              metadata: { createdBy: "ratchet demo" },
            });
            tracker.track(workflowRunId, {
              label: doc.label,
              workflowId: documentPipeline.id,
              stageIds: stageIdsOf(documentPipeline),
            });
            ids.push(workflowRunId);
          }
          return ids;
        },
      });
      const asyncStageIds = new Set(
        documentPipeline.groups
          .flat()
          .filter((s) => s.kind === "async-batch")
          .map((s) => s.id),
      );
      const summary = summarize(session.runs, session.stagesByRun, {
        asyncStageIds,
        events,
        totalMs: Date.now() - started,
      });
      if (globals.json) {
        out.json({
          database: target.display,
          runs: session.runs.map((run) => ({
            id: run.id,
            label: tracker.get(run.id)?.label,
            status: run.status,
            output: tracker.get(run.id)?.output ?? null,
            error: run.error,
          })),
          summary,
        });
      } else {
        if (talk) printOutputs(context, tracker);
        out.line();
        for (const line of renderSummary(summary, describeTarget(target), out.style))
          out.line(line);
      }
      if (session.outcome !== "ended") {
        context.err.line(
          session.outcome === "aborted"
            ? `interrupted (${session.interruptedBy ?? "signal"}): ${summary.unfinished} run(s) not finished; \`ratchet worker --database-url ${target.display}\` finishes them`
            : `demo runs did not finish within ${DEMO_TIMEOUT_MS / 1000} s`,
        );
        return session.outcome === "aborted" ? ExitCode.INTERRUPTED : ExitCode.FAILURE;
      }
      return summary.completed === summary.runs ? ExitCode.OK : ExitCode.FAILURE;
    },
    { target },
  );
}

function printOutputs(context: CommandContext, tracker: ProgressTracker): void {
  const { out } = context;
  const { style } = out;
  out.line();
  out.line(style.bold("Outputs"));
  for (const run of tracker.list()) {
    const took = formatDuration(
      run.startedAt && run.endedAt ? run.endedAt - run.startedAt : undefined,
    );
    out.line(
      `${runSymbol(run.status, style)} ${style.bold(run.label)}  ${run.status}  ${took}  ${style.dim(`run ${run.runId}`)}`,
    );
    if (run.status === "COMPLETED")
      for (const line of renderValue(run.output, style, "    ")) out.line(line);
    else if (run.error) out.line(`    ${style.red(errorText(run.error))}`);
    else out.line(`    ${style.dim("not finished")}`);
  }
}
