/**
 * What `ratchet purge` does (its definition is `commands/purge.ts`): `runs.purge` a batch at a
 * time until nothing is left, with a progress line on stderr; or, with `--dry-run`, a count.
 */
import { FINISHED_RUN_STATUSES, type FinishedRunStatus, parseDuration } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { PURGE_DEFAULT_BATCH } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";

/** Least time between two progress lines. */
const PROGRESS_EVERY_MS = 1_000;

/** `--status`: final statuses, comma-separated, case-insensitive (`timed-out` or `timed_out`). */
function statusesOf(raw: string | undefined): FinishedRunStatus[] | undefined {
  if (raw === undefined) return undefined;
  const statuses = raw.split(",").map((word) => {
    const wanted = word.trim().toUpperCase().replace("-", "_");
    const match = FINISHED_RUN_STATUSES.find((status) => status === wanted);
    if (match === undefined)
      throw new UsageError(
        `--status must be one or more (comma-separated) of ${FINISHED_RUN_STATUSES.map((s) => s.toLowerCase()).join(", ")}, got ${JSON.stringify(word.trim())}`,
        { field: "--status" },
      );
    return match;
  });
  return [...new Set(statuses)];
}

function olderThanOf(raw: string | undefined): number {
  const ms = raw === undefined ? undefined : parseDuration(raw);
  if (ms === undefined)
    throw new UsageError(
      raw === undefined
        ? "--older-than is required"
        : `--older-than is not a duration: ${JSON.stringify(raw)}`,
      {
        field: "--older-than",
        hint: "Give how long ago the runs ended, e.g. --older-than 30d (units: ms, s, m, h, d, w; 1h30m).",
      },
    );
  return ms;
}

const plural = (n: number, word: string, many = `${word}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;

/** Writes a progress line to stderr at most once a second (in place on a terminal). */
function progressWriter(context: CommandContext, start: number) {
  const { err, globals } = context;
  let last = start;
  let shown = false;
  const tty = err.stream.isTTY === true;
  return {
    update(purged: number, now: number) {
      if (globals.json || globals.quiet || now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const rate = Math.round(purged / Math.max((now - start) / 1000, 0.001));
      const text = `purging… ${plural(purged, "run")} so far (${rate.toLocaleString("en-US")} runs/s)`;
      if (tty) err.stream.write(`\r\u001b[2K${text}`);
      else err.line(text);
      shown = true;
    },
    done() {
      if (shown && tty) err.stream.write("\r\u001b[2K");
    },
  };
}

/** Runs `ratchet purge`; resolves to the exit code. */
export async function runPurge(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const olderThanMs = olderThanOf(stringOption(options, "older-than"));
  const statuses = statusesOf(stringOption(options, "status"));
  const workflowId = stringOption(options, "workflow");
  const dryRun = options["dry-run"] === true;
  const maxRuns = integerOption(options, "batch", {
    min: 1,
    max: 10_000,
    fallback: PURGE_DEFAULT_BATCH,
  });
  const started = Date.now();
  const command = {
    type: "runs.purge",
    olderThanMs,
    maxRuns,
    ...(statuses ? { statuses } : {}),
    ...(workflowId !== undefined ? { workflowId } : {}),
  } as const;
  const totals = { purged: 0, jobsDeleted: 0, blobsDeleted: 0, batches: 0 };
  let matched = 0;
  let endedBefore = new Date(0);
  await withDatabase(context, async (stack) => {
    const kernel = createCommandKernel(stack, []);
    endedBefore = new Date((kernel.clock?.now() ?? new Date()).getTime() - olderThanMs);
    if (dryRun) {
      matched = (await kernel.dispatch({ ...command, dryRun: true })).matched ?? 0;
      return;
    }
    const progress = progressWriter(context, started);
    try {
      for (;;) {
        const batch = await kernel.dispatch(command);
        totals.purged += batch.purged;
        totals.jobsDeleted += batch.jobsDeleted;
        totals.blobsDeleted += batch.blobsDeleted;
        totals.batches += 1;
        progress.update(totals.purged, Date.now());
        if (!batch.more) break;
      }
    } finally {
      progress.done();
    }
  });
  const durationMs = Date.now() - started;
  const shownStatuses = statuses ?? [...FINISHED_RUN_STATUSES];
  if (globals.json) {
    out.json({
      dryRun,
      endedBefore: endedBefore.toISOString(),
      statuses: shownStatuses,
      workflowId: workflowId ?? null,
      ...(dryRun ? { matched } : totals),
      durationMs,
    });
  } else if (globals.quiet) out.line(String(dryRun ? matched : totals.purged));
  else {
    const which = `${shownStatuses.map((s) => s.toLowerCase()).join("/")} runs${workflowId === undefined ? "" : ` of ${workflowId}`} that ended before ${endedBefore.toISOString()}`;
    if (dryRun)
      out.line(`would purge ${plural(matched, "run")}: ${which} (dry run, nothing deleted)`);
    else if (totals.purged === 0) out.line(`nothing to purge: no ${which}`);
    else {
      const rate = Math.round(totals.purged / Math.max(durationMs / 1000, 0.001));
      out.line(
        `${out.style.green("purged")} ${plural(totals.purged, "run")} (${which}) with ${plural(totals.jobsDeleted, "job")} and ${plural(totals.blobsDeleted, "blob")} in ${(durationMs / 1000).toFixed(1)} s (${rate.toLocaleString("en-US")} runs/s, ${plural(totals.batches, "batch", "batches")})`,
      );
    }
  }
  return ExitCode.OK;
}
