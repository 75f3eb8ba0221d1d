/**
 * `ratchet events <runId>`: a run's outbox events in sequence — type, time, whether they were
 * published or dead-lettered, and their payload; with `--follow`, new events (and changes of
 * state) as they happen, until the run ends.
 */
import type { OutboxRecord } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { FOLLOW_OPTIONS, followRequestOf, followRun, runHasEnded } from "../runtime/follow.js";
import { withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

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

/** `ratchet events`. */
export const eventsCommand: CommandSpec = {
  name: "events",
  summary: "Show a run's outbox events (--follow: as they happen)",
  description:
    "Prints a run's events from the transactional outbox in sequence: number, time, type (workflow.started, workflow.step.completed, …), state — published, pending (with its failed publish tries and last error) or dead-lettered (replay with `ratchet replay-dead-letters`) — and the payload as compact JSON (cut at 160 characters; --json has all of it). With --follow it keeps polling (every --interval ms) and prints each new event, and an event again when its state changes, until the run ends (exit 0) or Ctrl-C (exit 130). --json prints one JSON object per line ({ id, runId, sequence, type, state, occurredAt, publishedAt, deadLetteredAt, retryCount, lastError, payload }); --quiet only the types. An unknown run is RUN_NOT_FOUND (exit 1).",
  positionals: [{ name: "runId", description: "the run", required: true }],
  options: { ...FOLLOW_OPTIONS },
  exitCodes: [
    { code: ExitCode.OK, meaning: "printed (with --follow: the run ended)" },
    { code: ExitCode.FAILURE, meaning: "error [RUN_NOT_FOUND]" },
    { code: ExitCode.INTERRUPTED, meaning: "--follow stopped by Ctrl-C (SIGINT) or SIGTERM" },
  ],
  examples: [
    "ratchet events 0193f0c2-…",
    "ratchet events 0193f0c2-… --json | jq 'select(.state == \"dead-lettered\")'",
    "ratchet events 0193f0c2-… --follow",
  ],
  async run(context) {
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
  },
};
