/**
 * What `ratchet breakers` does (its definition is `commands/breakers.ts`): lists the circuit
 * breakers, or closes one by hand (its row deleted).
 */
import type { BreakerRecord } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";

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

/** Runs `ratchet breakers list` (and `ratchet breakers`); resolves to the exit code. */
export async function runBreakersList(context: CommandContext): Promise<number> {
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

/** Runs `ratchet breakers reset`; resolves to the exit code. */
export async function runBreakersReset(context: CommandContext): Promise<number> {
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
}
