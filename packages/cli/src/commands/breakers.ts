/**
 * `ratchet breakers`: the circuit breakers' shared state (one row per named resource), and
 * `ratchet breakers reset <name>` to close one by hand (its row deleted: no failures counted).
 */
import type { BreakerRecord } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

/** A breaker as `--json` shows it. */
function breakerJson(breaker: BreakerRecord) {
  return {
    name: breaker.name,
    state: breaker.state,
    failures: breaker.failures.length,
    failureTimes: breaker.failures,
    openedAt: breaker.openedAt,
    openedFailures: breaker.openedFailures,
    halfOpenAt: breaker.halfOpenAt,
    probes: breaker.probes,
    lastError: breaker.lastError,
    updatedAt: breaker.updatedAt,
  };
}

async function listBreakers(context: CommandContext): Promise<number> {
  const { out, globals } = context;
  const breakers = await withDatabase(context, (stack) => stack.persistence.listBreakers());
  if (globals.json) {
    out.json({ breakers: breakers.map(breakerJson) });
    return ExitCode.OK;
  }
  if (globals.quiet) {
    for (const breaker of breakers) out.line(breaker.name);
    return ExitCode.OK;
  }
  if (breakers.length === 0) {
    out.line("no circuit breakers (none has counted a failure yet)");
    return ExitCode.OK;
  }
  const { style } = out;
  const state = (b: BreakerRecord) =>
    b.state === "OPEN"
      ? style.red("OPEN")
      : b.state === "HALF_OPEN"
        ? style.yellow("HALF_OPEN")
        : "CLOSED";
  const rows = breakers.map((b) => [
    b.name,
    state(b),
    String(b.failures.length),
    b.openedAt ? `${formatTimestamp(b.openedAt)} (${b.openedFailures} failures)` : "-",
    b.state === "CLOSED" ? "-" : formatTimestamp(b.halfOpenAt),
    b.lastError ? `${b.lastError.code}: ${b.lastError.message}` : "-",
  ]);
  for (const line of renderTable(
    ["BREAKER", "STATE", "FAILURES", "OPENED", "HALF-OPEN AT", "LAST ERROR"],
    rows,
    style,
  ))
    out.line(line);
  return ExitCode.OK;
}

const listAction: CommandSpec = {
  name: "breakers list",
  summary: "List circuit breakers and their state",
  description:
    "Lists the circuit breakers by name: state (CLOSED, OPEN, HALF_OPEN), failures counted in the window, when it opened and after how many failures, when an open one lets a probe through, and the last failure. With --quiet only the names are printed.",
  positionals: [],
  options: {},
  examples: ["ratchet breakers", "ratchet breakers list --json"],
  run: listBreakers,
};

const resetAction: CommandSpec = {
  name: "breakers reset",
  summary: "Close a circuit breaker by hand",
  description:
    "Closes a circuit breaker at once: its row is deleted, so it counts no failures and the stages it deferred run when their jobs are next available. An unknown name is a usage error (exit 2).",
  positionals: [{ name: "name", description: "the breaker, e.g. payments-api", required: true }],
  options: {},
  examples: ["ratchet breakers reset payments-api"],
  async run(context) {
    const { out, globals } = context;
    const name = context.positionals[0] ?? "";
    const deleted = await withDatabase(context, (stack) => stack.persistence.deleteBreaker(name));
    if (!deleted)
      throw new UsageError(`no circuit breaker "${name}"`, {
        field: "name",
        hint: "ratchet breakers lists them",
      });
    if (globals.json) out.json({ name, reset: true });
    else if (!globals.quiet) out.line(`reset circuit breaker ${out.style.bold(name)} (closed)`);
    return ExitCode.OK;
  },
};

/** `ratchet breakers`. */
export const breakersCommand: CommandSpec = {
  name: "breakers",
  summary: "List circuit breakers, or reset one",
  description:
    "Circuit breakers guard stages that call a shared resource (a stage's `breaker` option); their state is shared by every worker through the database. Without an action this lists them (as `breakers list`). Actions: list, reset (ratchet breakers <action> --help).",
  positionals: [],
  options: {},
  examples: ["ratchet breakers", "ratchet breakers --json", "ratchet breakers reset payments-api"],
  actions: [listAction, resetAction],
  run: listBreakers,
};
