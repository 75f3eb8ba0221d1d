/**
 * What `ratchet schedules` does (its definition is `commands/schedules.ts`): lists the
 * schedules, or creates, pauses, resumes or deletes one (each one kernel command).
 */
import type { ScheduleView } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { choiceOption, integerOption, jsonOption, stringOption } from "../cli/values.js";
import {
  SCHEDULE_CATCH_UP,
  SCHEDULE_OVERLAP,
  SCHEDULES_DEFAULT_LIMIT,
} from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

/** A schedule as `--json` shows it. */
function scheduleJson(schedule: ScheduleView) {
  return {
    id: schedule.id,
    workflowId: schedule.workflowId,
    cron: schedule.cron,
    timezone: schedule.timezone,
    input: schedule.input,
    overlap: schedule.overlap,
    catchUp: schedule.catchUp,
    paused: schedule.paused,
    nextFireAt: schedule.nextFireAt,
    lastFireAt: schedule.lastFireAt,
    lastRunId: schedule.lastRunId,
    upcoming: schedule.upcoming,
  };
}

/** Runs `ratchet schedules list` (and `ratchet schedules`); resolves to the exit code. */
export async function runSchedulesList(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const limit = integerOption(options, "limit", {
    min: 1,
    max: 500,
    fallback: SCHEDULES_DEFAULT_LIMIT,
  });
  const upcoming = integerOption(options, "next", { min: 1, max: 50, fallback: 3 });
  const cursor = stringOption(options, "cursor");
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, []).dispatch({
      type: "schedules.list",
      limit,
      upcoming,
      ...(cursor === undefined ? {} : { afterId: cursor }),
    }),
  );
  if (globals.json) {
    out.json({
      schedules: result.schedules.map(scheduleJson),
      nextCursor: result.nextCursor ?? null,
    });
    return ExitCode.OK;
  }
  if (globals.quiet) {
    for (const schedule of result.schedules) out.line(schedule.id);
    return ExitCode.OK;
  }
  if (result.schedules.length === 0) {
    out.line("no schedules");
    return ExitCode.OK;
  }
  const { style } = out;
  const rows = result.schedules.map((s) => [
    s.id,
    s.workflowId,
    s.cron,
    s.timezone,
    s.paused ? style.yellow("paused") : "active",
    `${s.overlap}/${s.catchUp}`,
    s.upcoming.length > 0 ? s.upcoming.map((d) => formatTimestamp(d)).join(", ") : "-",
    formatTimestamp(s.lastFireAt),
  ]);
  for (const line of renderTable(
    ["SCHEDULE", "WORKFLOW", "CRON", "TIME ZONE", "STATE", "OVERLAP/CATCH-UP", "NEXT", "LAST"],
    rows,
    style,
  ))
    out.line(line);
  if (result.nextCursor !== undefined)
    out.line(style.dim(`more: ratchet schedules list --cursor ${shellWord(result.nextCursor)}`));
  return ExitCode.OK;
}

/** Runs `ratchet schedules create`; resolves to the exit code. */
export async function runSchedulesCreate(context: CommandContext): Promise<number> {
  const { out, globals, options, positionals } = context;
  const [scheduleId = "", workflowId = "", cron = ""] = positionals;
  const input = jsonOption(options, "input", {});
  const overlap = choiceOption(options, "overlap", SCHEDULE_OVERLAP);
  const catchUp = choiceOption(options, "catch-up", SCHEDULE_CATCH_UP);
  const timezone = stringOption(options, "tz");
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch({
      type: "schedules.create",
      scheduleId,
      workflowId,
      cron,
      input,
      ...(timezone === undefined ? {} : { timezone }),
      ...(overlap === undefined ? {} : { overlap }),
      ...(catchUp === undefined ? {} : { catchUp }),
      ...(options.paused === true ? { paused: true } : {}),
    }),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(result.scheduleId);
  else
    out.line(
      `created schedule ${out.style.bold(result.scheduleId)} (${workflowId}, ${cron}); next: ${result.nextFireAt ? formatTimestamp(result.nextFireAt) : "paused"}`,
    );
  return ExitCode.OK;
}

/** Runs `ratchet schedules pause`, `resume` or `delete`; resolves to the exit code. */
export async function runScheduleAction(
  context: CommandContext,
  verb: "pause" | "resume" | "delete",
): Promise<number> {
  const { out, globals } = context;
  const scheduleId = context.positionals[0] ?? "";
  const result = await withDatabase(context, (stack) =>
    createCommandKernel(stack, []).dispatch({ type: `schedules.${verb}`, scheduleId }),
  );
  if (globals.json) out.json(result);
  else if (globals.quiet) out.line(scheduleId);
  else if (verb === "delete") out.line(`deleted schedule ${out.style.bold(scheduleId)}`);
  else {
    const next = "nextFireAt" in result ? result.nextFireAt : null;
    out.line(
      `${verb === "pause" ? "paused" : "resumed"} schedule ${out.style.bold(scheduleId)}; next: ${next ? formatTimestamp(next) : "none while paused"}`,
    );
  }
  return ExitCode.OK;
}
