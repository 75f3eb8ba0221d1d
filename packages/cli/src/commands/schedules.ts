/**
 * `ratchet schedules`: cron schedules that start runs. Without an action, or with `list`, it
 * lists them with their next fire times; the actions `create`, `pause`, `resume` and `delete`
 * change them (each one kernel command: `schedules.create`, …).
 */
import type { ScheduleView } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { choiceOption, integerOption, jsonOption, stringOption } from "../cli/values.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

const OVERLAP = ["skip", "buffer_one", "allow"] as const;
const CATCH_UP = ["skip", "latest", "all"] as const;

/** Schedules listed when `--limit` is absent. */
const DEFAULT_LIMIT = 50;

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

async function listSchedules(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const limit = integerOption(options, "limit", { min: 1, max: 500, fallback: DEFAULT_LIMIT });
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

const LIST_OPTIONS = {
  limit: {
    type: "string",
    value: "<n>",
    description: "most schedules to list (1–500)",
    defaultText: String(DEFAULT_LIMIT),
  },
  next: {
    type: "string",
    value: "<n>",
    description: "next fire times to show per schedule (1–50)",
    defaultText: "3",
  },
  cursor: {
    type: "string",
    value: "<id>",
    description: "continue after this schedule id (what an earlier listing printed)",
  },
} as const;

const listAction: CommandSpec = {
  name: "schedules list",
  summary: "List schedules with their next fire times",
  description:
    "Lists the schedules by id: workflow, cron expression, time zone, whether paused, the overlap and catch-up policies, the next fire times (computed in the schedule's time zone) and the last slot fired. With --quiet only the ids are printed.",
  positionals: [],
  options: LIST_OPTIONS,
  examples: ["ratchet schedules list", "ratchet schedules list --next 5 --json"],
  run: listSchedules,
};

const createAction: CommandSpec = {
  name: "schedules create",
  summary: "Create a schedule that starts runs of a workflow",
  description:
    "Creates a cron schedule. The workflow must be in --workflows (default: the built-in ones) and the input must pass its input schema (INVALID_INPUT, exit 1); an invalid cron expression is INVALID_CRON, an unknown time zone INVALID_TIMEZONE (exit 1). Cron expressions have 5 fields (minute hour day month weekday), 6 with seconds first, or are a nickname such as @hourly. Workers (`ratchet worker`) fire it.",
  positionals: [
    { name: "scheduleId", description: "the schedule's name, e.g. nightly-report", required: true },
    { name: "workflowId", description: "the workflow it starts", required: true },
    { name: "cron", description: 'the cron expression, e.g. "0 3 * * *"', required: true },
  ],
  options: {
    tz: {
      type: "string",
      value: "<zone>",
      description: "IANA time zone the expression is read in",
      defaultText: "UTC",
    },
    input: {
      type: "string",
      value: "<json>",
      description: "the input of every run it starts, as JSON",
      defaultText: "{}",
    },
    overlap: {
      type: "string",
      value: "<policy>",
      description: `a slot while the last run is still active: ${OVERLAP.join(", ")}`,
      defaultText: "skip",
    },
    "catch-up": {
      type: "string",
      value: "<policy>",
      description: `slots missed while no worker ran: ${CATCH_UP.join(", ")}`,
      defaultText: "latest",
    },
    paused: { type: "boolean", description: "create it paused" },
    workflows: WORKFLOWS_OPTION,
  },
  examples: [
    `ratchet schedules create nightly document-pipeline "0 3 * * *" --tz Europe/Berlin --input '{"url":"https://library.example.org/guides/durable-workflows"}'`,
    `ratchet schedules create heartbeat document-pipeline "*/10 * * * * *" --overlap allow --catch-up all`,
  ],
  async run(context) {
    const { out, globals, options, positionals } = context;
    const [scheduleId = "", workflowId = "", cron = ""] = positionals;
    const input = jsonOption(options, "input", {});
    const overlap = choiceOption(options, "overlap", OVERLAP);
    const catchUp = choiceOption(options, "catch-up", CATCH_UP);
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
  },
};

/** An action that dispatches one command naming the schedule and prints what it returned. */
function scheduleAction(
  verb: "pause" | "resume" | "delete",
  summary: string,
  description: string,
): CommandSpec {
  return {
    name: `schedules ${verb}`,
    summary,
    description: `${description} An unknown id is SCHEDULE_NOT_FOUND (exit 1).`,
    positionals: [{ name: "scheduleId", description: "the schedule", required: true }],
    options: {},
    examples: [`ratchet schedules ${verb} nightly`],
    async run(context) {
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
    },
  };
}

/** `ratchet schedules`. */
export const schedulesCommand: CommandSpec = {
  name: "schedules",
  summary: "List, create, pause, resume and delete cron schedules",
  description:
    "Cron schedules start runs of a workflow at the times of a cron expression, in a time zone; workers fire them, each slot exactly once. Without an action this lists them (as `schedules list`). Actions: list, create, pause, resume, delete (ratchet schedules <action> --help).",
  positionals: [],
  options: LIST_OPTIONS,
  examples: [
    "ratchet schedules",
    `ratchet schedules create nightly document-pipeline "0 3 * * *" --tz Europe/Berlin --input '{"url":"https://library.example.org/guides/durable-workflows"}'`,
    "ratchet schedules pause nightly",
  ],
  actions: [
    listAction,
    createAction,
    scheduleAction(
      "pause",
      "Pause a schedule",
      "Pauses a schedule: it fires nothing until resumed.",
    ),
    scheduleAction(
      "resume",
      "Resume a paused schedule",
      "Resumes a schedule from its next slot after now; the slots of the pause are not caught up.",
    ),
    scheduleAction(
      "delete",
      "Delete a schedule",
      "Deletes a schedule; the runs it started are left as they are.",
    ),
  ],
  run: listSchedules,
};
