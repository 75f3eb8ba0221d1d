/**
 * `ratchet dashboard`: serves the web dashboard (`@ratchet/dashboard`) over the database until
 * SIGTERM/SIGINT — runs, a run's stages, timeline, logs and events, workflows and their
 * graphs, live; cancel, rerun, retry and approvals through a kernel over the same database.
 * Every action is written to its run's logs (stage `null`) and printed here.
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
import { describeTarget } from "../db/target.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { listenForInterrupt } from "../runtime/interrupt.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** The environment variable that sets the token when `--token` is not given. */
export const DASHBOARD_TOKEN_ENV = "RATCHET_DASHBOARD_TOKEN";

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

/** `ratchet dashboard`. */
export const dashboardCommand: CommandSpec = {
  name: "dashboard",
  summary: "Serve the web dashboard until SIGTERM/SIGINT",
  description: `Serves a web UI over the database: runs with filters and search, a run's stages with their live state, its attempts on a timeline, logs, events, input and output and what it waits for; the workflows of --workflows with their Mermaid graphs, and the schedules. Pages update live (Server-Sent Events). Actions — cancel, rerun from a stage, retry a failed run, approve or reject — go through a kernel over the same database and are written to the run's logs and printed here. It listens on ${DEFAULT_DASHBOARD_HOST} unless --host says otherwise, and refuses any other address without a token (--token or $${DASHBOARD_TOKEN_ENV}); with a token, every request must carry it (open the page once with ?token=<token>).`,
  positionals: [],
  options: {
    port: {
      type: "string",
      value: "<n>",
      description: "port to listen on (0: any free one)",
      defaultText: String(DEFAULT_DASHBOARD_PORT),
    },
    host: {
      type: "string",
      value: "<address>",
      description: "address to listen on; anything but loopback needs a token",
      defaultText: DEFAULT_DASHBOARD_HOST,
    },
    token: {
      type: "string",
      value: "<token>",
      description: "token every request must carry (at least 8 characters)",
      defaultText: `$${DASHBOARD_TOKEN_ENV}, else none`,
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "stopped by SIGTERM/SIGINT" },
    {
      code: ExitCode.USAGE,
      meaning: "a non-loopback --host without a token, a token under 8 characters, a bad --port",
    },
  ],
  examples: [
    "ratchet dashboard",
    "ratchet dashboard --port 8080 --workflows ./dist/workflows.js",
    `${DASHBOARD_TOKEN_ENV}=$(openssl rand -hex 16) ratchet dashboard --host 0.0.0.0`,
  ],
  async run(context) {
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
              globals.json
                ? JSON.stringify({ type: "dashboard.audit", ...entry })
                : auditLine(entry),
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
  },
};
