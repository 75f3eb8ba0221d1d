/**
 * `ratchet schedules`: cron schedules that start runs. Without an action, or with `list`, it
 * lists them with their next fire times; the actions `create`, `pause`, `resume` and `delete`
 * change them (each one kernel command: `schedules.create`, …).
 */
import { SCHEDULE_CATCH_UP, SCHEDULE_OVERLAP, SCHEDULES_DEFAULT_LIMIT } from "./option-values.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

const LIST_OPTIONS = {
  limit: {
    type: "string",
    value: "<n>",
    description: "most schedules to list (1–500)",
    defaultText: String(SCHEDULES_DEFAULT_LIMIT),
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
  async run(context) {
    const { runSchedulesList } = await import("../handlers/schedules.js");
    return runSchedulesList(context);
  },
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
      description: `a slot while the last run is still active: ${SCHEDULE_OVERLAP.join(", ")}`,
      defaultText: "skip",
    },
    "catch-up": {
      type: "string",
      value: "<policy>",
      description: `slots missed while no worker ran: ${SCHEDULE_CATCH_UP.join(", ")}`,
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
    const { runSchedulesCreate } = await import("../handlers/schedules.js");
    return runSchedulesCreate(context);
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
      const { runScheduleAction } = await import("../handlers/schedules.js");
      return runScheduleAction(context, verb);
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
  async run(context) {
    const { runSchedulesList } = await import("../handlers/schedules.js");
    return runSchedulesList(context);
  },
};
