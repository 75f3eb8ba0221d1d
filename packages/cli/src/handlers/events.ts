/**
 * What `ratchet events` does (its definition is `commands/events.ts`): prints a run's outbox
 * events in sequence; with `--follow`, new events and changes of state until the run ends.
 */
import type { OutboxRecord } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { followRequestOf, followRun, runHasEnded } from "../runtime/follow.js";

/** Longest payload shown in a text line (the rest is cut with `…`; --json has all of it). */
const PAYLOAD_CHARS = 160;

/** Where an event is: `published`, `dead-lettered` or `pending` (with its failed tries). */
export function eventState(event: OutboxRecord): "published" | "dead-lettered" | "pending" {
  if (event.publishedAt !== null) return "published";
  if (event.dlqAt !== null) return "dead-lettered";
  return "pending";
}

function stateText(event: OutboxRecord, style: Style): string {
  const state = eventState(event);
  const count = event.retryCount;
  const tries = count > 0 ? ` after ${count} failed ${count === 1 ? "try" : "tries"}` : "";
  const error = event.lastError === null ? "" : `: ${event.lastError}`;
  if (state === "published") return style.green(padEnd(state, 13));
  if (state === "dead-lettered")
    return `${style.red(padEnd(state, 13))}${style.dim(`${tries}${error}`)}`;
  return `${style.yellow(padEnd(state, 13))}${style.dim(event.retryCount > 0 ? `${tries}${error}` : "")}`;
}

function payloadText(event: OutboxRecord): string {
  const text = JSON.stringify(event.payload);
  return text.length > PAYLOAD_CHARS ? `${text.slice(0, PAYLOAD_CHARS - 1)}…` : text;
}

/** One event line: sequence, time, type, state, payload. */
export function eventLine(event: OutboxRecord, style: Style): string {
  return `${padEnd(`#${event.sequence}`, 5)} ${style.dim(event.occurredAt.toISOString())}  ${padEnd(event.type, 28)}  ${stateText(event, style)}  ${style.dim(payloadText(event))}`;
}

/** An event as `--json` prints it (one object per line). */
export function eventJson(event: OutboxRecord): Record<string, unknown> {
  return {
    id: event.id,
    runId: event.runId,
    sequence: event.sequence,
    type: event.type,
    state: eventState(event),
    occurredAt: event.occurredAt.toISOString(),
    publishedAt: event.publishedAt?.toISOString() ?? null,
    deadLetteredAt: event.dlqAt?.toISOString() ?? null,
    retryCount: event.retryCount,
    lastError: event.lastError,
    payload: event.payload,
  };
}

/** Runs `ratchet events`; resolves to the exit code. */
export async function runEvents(context: CommandContext): Promise<number> {
  const { out, globals } = context;
  const runId = context.positionals[0] ?? "";
  const request = followRequestOf(context);
  /** The state each event was last printed in, by id. */
  const printed = new Map<string, string>();
  const outcome = await withDatabase(context, (stack) =>
    followRun(request, async () => {
      const ended = await runHasEnded(stack.queries, runId);
      for (const event of await stack.queries.listEvents(runId)) {
        const state = `${eventState(event)}/${event.retryCount}`;
        if (printed.get(event.id) === state) continue;
        printed.set(event.id, state);
        if (globals.json) out.line(JSON.stringify(eventJson(event)));
        else if (globals.quiet) out.line(event.type);
        else out.line(eventLine(event, out.style));
      }
      return ended;
    }),
  );
  if (outcome === "aborted") return ExitCode.INTERRUPTED;
  if (!globals.json && !globals.quiet && printed.size === 0 && outcome === "once")
    context.err.line(out.style.dim(`run ${runId} has no events`));
  return ExitCode.OK;
}
