/**
 * `ctx.emit`: custom events a stage declared (or its workflow did), checked against their
 * schemas when emitted and kept with the attempt, then written to the outbox as
 * `workflow.custom` events in the commit of the attempt's completion or suspension — so they
 * are published iff that commit happens. A failed attempt's events are dropped with it.
 */
import { encodeValue } from "../../codec.js";
import type { EventSchemas } from "../../dsl/context.js";
import { NonRetryableError } from "../../errors.js";
import type { PendingEvent } from "../../ports/stage-committer.js";
import type { JsonValue, RunRecord } from "../../records.js";
import { pendingEvent, type UnitOfWork } from "../tx/unit-of-work.js";
import { checkPayloadSize } from "../values/payload-size.js";
import { zodIssues } from "../values/zod-issues.js";

/** The type of the outbox event a `ctx.emit` becomes. */
export const CUSTOM_EVENT_TYPE = "workflow.custom";

/** An event a stage emitted, encoded, waiting for the attempt's commit. */
export interface EmittedEvent {
  name: string;
  payload: JsonValue;
  occurredAt: Date;
}

/** Who emits: the stage's identity and the events it may emit. */
export interface EmitSource {
  workflowId: string;
  workflowRunId: string;
  stageId: string;
  /** The stage's own declared events. */
  events?: EventSchemas | undefined;
  /** The workflow's declared events (a stage's own schema wins for a name both declare). */
  workflowEvents?: EventSchemas | undefined;
}

/**
 * Checks one `ctx.emit` and returns it encoded: `UNKNOWN_EVENT` for a name neither the stage
 * nor the workflow declared, `INVALID_EVENT_PAYLOAD` for a payload its schema refuses (or that
 * cannot be stored), `PAYLOAD_TOO_LARGE` over `limit` bytes. The payload kept is the schema's
 * output (defaults applied, unknown keys stripped).
 */
export function checkEmit(
  source: EmitSource,
  name: string,
  payload: unknown,
  limit: number,
  now: Date,
): EmittedEvent {
  const ids = { workflowRunId: source.workflowRunId, stageId: source.stageId };
  const key = String(name);
  const own = source.events && Object.hasOwn(source.events, key) ? source.events[key] : undefined;
  const schema =
    own ??
    (source.workflowEvents && Object.hasOwn(source.workflowEvents, key)
      ? source.workflowEvents[key]
      : undefined);
  if (schema === undefined) {
    throw new NonRetryableError(
      `[ratchet] stage "${source.stageId}" emitted ${JSON.stringify(key)}, an event neither the stage nor its workflow declares (events: { ${JSON.stringify(key)}: schema })`,
      { code: "UNKNOWN_EVENT", ...ids, field: "name" },
    );
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "payload");
    throw new NonRetryableError(
      `[ratchet] stage "${source.stageId}": the payload of event ${JSON.stringify(key)} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      { code: "INVALID_EVENT_PAYLOAD", ...ids, field: `events.${key}` },
    );
  }
  let encoded: JsonValue;
  try {
    encoded = encodeValue(parsed.data ?? null, `events.${key}`);
  } catch (error) {
    throw new NonRetryableError(
      `[ratchet] stage "${source.stageId}": the payload of event ${JSON.stringify(key)} cannot be stored: ${error instanceof Error ? error.message : String(error)}`,
      { code: "INVALID_EVENT_PAYLOAD", ...ids, field: `events.${key}` },
    );
  }
  checkPayloadSize(encoded, limit, `events.${key}`, { ...ids, workflowId: source.workflowId });
  return { name: key, payload: encoded, occurredAt: now };
}

/** The outbox events of an attempt's emitted events, in the order they were emitted. */
export function customEvents(
  deps: { newId: () => string },
  run: Pick<RunRecord, "workflowId">,
  stageId: string,
  attempt: number,
  emitted: readonly EmittedEvent[],
): PendingEvent[] {
  return emitted.map((e) =>
    pendingEvent(
      deps,
      run,
      CUSTOM_EVENT_TYPE,
      { name: e.name, payload: e.payload, stageId, attempt },
      e.occurredAt,
    ),
  );
}

/** Queues an attempt's emitted events in `uow` (nothing when it emitted none). */
export function appendEmitted(
  deps: { newId: () => string },
  uow: UnitOfWork,
  run: RunRecord,
  stageId: string,
  attempt: number,
  emitted: readonly EmittedEvent[] | undefined,
): void {
  if (emitted === undefined) return;
  for (const event of customEvents(deps, run, stageId, attempt, emitted)) uow.append(run, event);
}
