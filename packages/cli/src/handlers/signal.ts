/**
 * What `ratchet signal` does (its definition is `commands/signal.ts`): `run.signal` to a run,
 * or by key; it says what became of the signal.
 */
import type { RunSignalCommand, RunSignalResult } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { jsonOption, stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import type { Style } from "../render/style.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

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

/** Runs `ratchet signal`; resolves to the exit code. */
export async function runSignal(context: CommandContext): Promise<number> {
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
}
