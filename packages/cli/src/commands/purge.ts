/**
 * `ratchet purge --older-than <duration>`: deletes finished runs that ended before then, with
 * everything they own (stages, outputs, jobs, events, logs, signals, blobs), a batch at a time
 * (`runs.purge`, one short transaction each), so workers running beside it are not held up.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { PURGE_DEFAULT_BATCH } from "./option-values.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet purge`. */
export const purgeCommand: CommandSpec = {
  name: "purge",
  summary: "Delete finished runs that ended longer ago than a duration",
  description:
    "Deletes runs that ended (completed, failed, cancelled or timed out) more than --older-than ago, with everything they own: stage records and outputs (blobs too), jobs, outbox events, logs, signals and their run.create idempotency key. Running, pending and waiting runs are never touched, nor a run whose events were not yet delivered. It works in batches of --batch runs, each its own short transaction (runs.purge), so workers keep running; a progress line goes to stderr while it takes more than a second. --dry-run deletes nothing and counts what would go. Workers delete by each workflow's retention on their own (see docs/retention.md); this command is for one-off clean-ups. --json prints { dryRun, endedBefore, statuses, workflowId, purged | matched, jobsDeleted, blobsDeleted, batches, durationMs }.",
  positionals: [],
  options: {
    "older-than": {
      type: "string",
      value: "<duration>",
      description: "runs that ended more than this long ago: 30d, 12h, 1h30m, 90s, 500ms",
    },
    status: {
      type: "string",
      value: "<status,…>",
      description:
        "only runs that ended so (comma-separated): completed, failed, cancelled, timed-out, compensated, compensation-failed",
      defaultText: "all of them",
    },
    workflow: { type: "string", value: "<id>", description: "only runs of this workflow" },
    "dry-run": { type: "boolean", description: "delete nothing; count what would be deleted" },
    batch: {
      type: "string",
      value: "<n>",
      description: "runs deleted per transaction (1–10000)",
      defaultText: String(PURGE_DEFAULT_BATCH),
    },
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "purged (perhaps nothing), or counted with --dry-run" },
  ],
  examples: [
    "ratchet purge --older-than 30d --dry-run",
    "ratchet purge --older-than 7d --status completed,cancelled --workflow nightly-report",
    "ratchet purge --older-than 90d --batch 200 --json",
  ],
  async run(context) {
    const { runPurge } = await import("../handlers/purge.js");
    return runPurge(context);
  },
};
