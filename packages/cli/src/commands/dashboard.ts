/**
 * `ratchet dashboard`: serves the web dashboard (`@ratchet/dashboard`) over the database until
 * SIGTERM/SIGINT — runs, a run's stages, timeline, logs and events, workflows and their
 * graphs, live; cancel, rerun, retry and approvals through a kernel over the same database.
 * Every action is written to its run's logs (stage `null`) and printed here.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { DASHBOARD_HELP_DEFAULTS, DASHBOARD_TOKEN_ENV } from "./option-values.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet dashboard`. */
export const dashboardCommand: CommandSpec = {
  name: "dashboard",
  summary: "Serve the web dashboard until SIGTERM/SIGINT",
  description: `Serves a web UI over the database: runs with filters and search, a run's stages with their live state, its attempts on a timeline, logs, events, input and output and what it waits for; the workflows of --workflows with their Mermaid graphs, and the schedules. Pages update live (Server-Sent Events). Actions — cancel, rerun from a stage, retry a failed run, approve or reject — go through a kernel over the same database and are written to the run's logs and printed here. It listens on ${DASHBOARD_HELP_DEFAULTS.host} unless --host says otherwise, and refuses any other address without a token (--token or $${DASHBOARD_TOKEN_ENV}); with a token, every request must carry it (open the page once with ?token=<token>).`,
  positionals: [],
  options: {
    port: {
      type: "string",
      value: "<n>",
      description: "port to listen on (0: any free one)",
      defaultText: String(DASHBOARD_HELP_DEFAULTS.port),
    },
    host: {
      type: "string",
      value: "<address>",
      description: "address to listen on; anything but loopback needs a token",
      defaultText: DASHBOARD_HELP_DEFAULTS.host,
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
    const { runDashboard } = await import("../handlers/dashboard.js");
    return runDashboard(context);
  },
};
