/**
 * What `ratchet dashboard` does (its definition is `commands/dashboard.ts`): serves
 * `@ratchet/dashboard` over the database until SIGTERM/SIGINT, printing every action taken
 * through it.
 */
import {
  type AuditEntry,
  createDashboard,
  DashboardError,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  isLoopback,
  MIN_TOKEN_LENGTH,
} from "@ratchet/dashboard";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { DASHBOARD_TOKEN_ENV } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { describeTarget } from "../db/target.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { listenForInterrupt } from "../runtime/interrupt.js";
import { resolveWorkflows } from "../runtime/workflows.js";

const TOKEN_HINT = `Set a token with --token or ${DASHBOARD_TOKEN_ENV} (at least ${MIN_TOKEN_LENGTH} characters), or keep the default --host ${DEFAULT_DASHBOARD_HOST}.`;

/** Refuses, before the database is opened, what `createDashboard` would refuse. */
function checkAddress(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(`the token must be at least ${MIN_TOKEN_LENGTH} characters`, {
      field: "--token",
      hint: TOKEN_HINT,
    });
  if (!isLoopback(host) && token === undefined)
    throw new UsageError(
      `refusing to listen on ${host} without a token: anyone who reaches it could cancel and rerun runs`,
      { field: "--host", hint: TOKEN_HINT },
    );
}

function auditLine(entry: AuditEntry): string {
  const stage = entry.stageId === null ? "" : ` ${entry.stageId}`;
  return `audit: ${entry.action}${stage} on run ${entry.runId} by ${entry.by} from ${entry.remote}: ${entry.result} ${entry.detail}`;
}

/** Runs `ratchet dashboard`; resolves to the exit code. */
export async function runDashboard(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const port = integerOption(options, "port", {
    min: 0,
    max: 65_535,
    fallback: DEFAULT_DASHBOARD_PORT,
  });
  const host = stringOption(options, "host") ?? DEFAULT_DASHBOARD_HOST;
  const given = stringOption(options, "token") ?? context.io.env[DASHBOARD_TOKEN_ENV];
  const token = given === "" ? undefined : given;
  checkAddress(host, token);
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  return withDatabase(context, async (stack, target) => {
    const kernel = createCommandKernel(stack, workflows);
    let dashboard: Awaited<ReturnType<typeof createDashboard>>;
    try {
      dashboard = await createDashboard({
        queries: stack.queries,
        dispatch: (command) => kernel.dispatch(command),
        workflows,
        appendLogs: (logs) => stack.persistence.appendLogs(logs),
        audit: (entry) =>
          out.line(
            globals.json ? JSON.stringify({ type: "dashboard.audit", ...entry }) : auditLine(entry),
          ),
        host,
        port,
        ...(token === undefined ? {} : { token }),
      });
    } catch (error) {
      if (error instanceof DashboardError)
        throw new UsageError(error.message, {
          field: `--${error.field ?? "host"}`,
          hint: TOKEN_HINT,
          cause: error,
        });
      throw error;
    }
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      listenForInterrupt(resolve);
    });
    if (globals.json)
      out.line(
        JSON.stringify({
          type: "dashboard.started",
          url: dashboard.url,
          database: target.display,
          token: token !== undefined,
        }),
      );
    else if (!globals.quiet) {
      out.line(`dashboard at ${out.style.bold(dashboard.url)} on ${describeTarget(target)}`);
      if (token)
        out.line(out.style.dim(`token required: open ${dashboard.url}?token=<token> once`));
      out.line(out.style.dim("Press Ctrl-C to stop."));
    } else out.line(dashboard.url);
    const signal = await stopped;
    await dashboard.close();
    if (globals.json) out.line(JSON.stringify({ type: "dashboard.stopped", signal }));
    else if (!globals.quiet) out.line(`received ${signal}: dashboard stopped`);
    return ExitCode.OK;
  });
}
