/**
 * `ratchet signal <runId> <name>` / `ratchet signal --key <key> <name>`: sends a signal through
 * `run.signal` — to a run, or by key to whichever run waits for the name and key — and says
 * whether a waiting step took it, it was buffered for a step that will wait for it, or it was a
 * duplicate of one sent before.
 */
import type { RunSignalCommand, RunSignalResult } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { jsonOption, stringOption } from "../cli/values.js";
import type { Style } from "../render/style.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

const USAGE_HINT =
  'Use "ratchet signal <runId> <name>", or "ratchet signal --key <key> <name>" to send by key.';

/** The `run.signal` command the line asks for (usage errors before the database is opened). */
function signalOf(context: CommandContext): RunSignalCommand {
  const { options, positionals } = context;
  const key = stringOption(options, "key");
  const workflowId = stringOption(options, "workflow");
  const signalId = stringOption(options, "id");
  const payload = jsonOption(options, "payload", undefined);
  const common = {
    type: "run.signal" as const,
    ...(payload === undefined ? {} : { payload }),
    ...(signalId === undefined ? {} : { signalId }),
  };
  if (key !== undefined) {
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? 'missing <name> for "ratchet signal --key"'
          : "with --key, give only the signal's name (a keyed signal names no run)",
        { field: positionals.length === 0 ? "name" : "runId", hint: USAGE_HINT },
      );
    }
    return {
      ...common,
      name: positionals[0] ?? "",
      key,
      ...(workflowId === undefined ? {} : { workflowId }),
    };
  }
  if (workflowId !== undefined) {
    throw new UsageError("--workflow goes with --key (a run id already names its workflow)", {
      field: "--workflow",
      hint: USAGE_HINT,
    });
  }
  const [workflowRunId, name] = positionals;
  if (workflowRunId === undefined || name === undefined) {
    throw new UsageError(
      `missing <${workflowRunId === undefined ? "runId" : "name"}> for "ratchet signal"`,
      {
        field: workflowRunId === undefined ? "runId" : "name",
        hint: USAGE_HINT,
      },
    );
  }
  return { ...common, workflowRunId, name };
}

/** What was done with the signal, in words. */
function describeResult(command: RunSignalCommand, result: RunSignalResult, style: Style): string {
  const signal = `signal "${command.name}"`;
  switch (result.status) {
    case "delivered":
      return `${style.green("delivered")} ${signal} to run ${style.bold(result.workflowRunId ?? "")}, step ${result.stageId ?? ""}`;
    case "buffered":
      return command.key === undefined
        ? `${style.yellow("buffered")} ${signal} for run ${style.bold(command.workflowRunId ?? "")}: no step waits for it yet; the first step to wait for it takes it`
        : `${style.yellow("buffered")} ${signal} with key ${style.bold(command.key)}: no run waits for it yet; the first run to wait for it with this key takes it`;
    default:
      return `${style.dim("duplicate")}: signal ${result.signalId} was sent before; nothing changed`;
  }
}

/** `ratchet signal`. */
export const signalCommand: CommandSpec = {
  name: "signal",
  summary: "Send a signal to a waiting run (or by --key to whichever run waits for it)",
  usage: [
    "ratchet signal <runId> <name> [options]",
    "ratchet signal --key <key> <name> [--workflow <workflowId>] [options]",
  ],
  description:
    "Sends the signal <name> (a waitForSignal step's `name`, default its id) with a JSON --payload. To a run: give its id. By key: give --key instead (e.g. an order id) and the run waiting for <name> with that key takes it, whoever sends it. A waiting step takes the signal at once and its run goes on (delivered); a signal nobody waits for yet is kept and taken, once, by the first step to wait for it (buffered); a repeat of an --id sent before changes nothing (duplicate). The payload is checked against the waiting step's schema when the run's workflow is registered here (--workflows; with --key, name it with --workflow) — otherwise the step checks it when it resumes. --json prints { signalId, status, workflowRunId?, stageId? }; --quiet only the status.",
  positionals: [
    { name: "runId", description: "the run to signal (omitted with --key)", required: false },
    {
      name: "name",
      description: "the signal's name (the waiting step's `name`, default its id)",
      required: false,
    },
  ],
  options: {
    payload: {
      type: "string",
      value: "<json>",
      description: "the signal's payload, as JSON",
      defaultText: "null",
    },
    key: {
      type: "string",
      value: "<key>",
      description: "send by key, not to a run: the run waiting for <name> with this key takes it",
    },
    workflow: {
      type: "string",
      value: "<workflowId>",
      description: "with --key: check the payload against this workflow's step waiting for <name>",
    },
    id: {
      type: "string",
      value: "<signalId>",
      description: "makes sending idempotent: a repeat with the same id changes nothing",
      defaultText: "a new id",
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "delivered, buffered or duplicate" },
    {
      code: ExitCode.FAILURE,
      meaning:
        "error [CODE]: RUN_NOT_FOUND, RUN_ENDED, UNKNOWN_SIGNAL (no step waits for <name>), INVALID_SIGNAL_PAYLOAD (naming the field), RESERVED_SIGNAL_NAME (approval:… / child:…: use ratchet approve)",
    },
    {
      code: ExitCode.USAGE,
      meaning: "bad usage: --payload not JSON, a run id and --key, no <name>",
    },
  ],
  examples: [
    `ratchet signal 0193f0c2-… payment --payload '{"amount":120,"currency":"EUR"}'`,
    `ratchet signal --key order-7 delivered --workflow shipment --payload '{"at":"2026-03-01"}'`,
    `ratchet signal 0193f0c2-… payment --id pay-7 --json`,
  ],
  async run(context) {
    const command = signalOf(context);
    const { out, globals } = context;
    const workflows = await resolveWorkflows(
      stringOption(context.options, "workflows"),
      context.io.cwd,
    );
    const result = await withDatabase(context, (stack) =>
      createCommandKernel(stack, workflows).dispatch(command),
    );
    if (globals.json) out.json(result);
    else if (globals.quiet) out.line(result.status);
    else {
      out.line(describeResult(command, result, out.style));
      if (result.status !== "duplicate") out.line(out.style.dim(`signal id ${result.signalId}`));
    }
    return ExitCode.OK;
  },
};
