/**
 * The job message a push queue (SQS, Cloudflare Queues) delivers to `handleJob`.
 *
 * A message is a wake-up: it names a job by `jobId`, and the host claims that job from the
 * job transport, which holds the truth (attempt, lease, payload). The other fields of a
 * `DequeuedJob` may ride along; they are only needed by a transport without `claimJob`, where
 * the message itself is the job.
 */
import type { DequeuedJob, JsonObject } from "@ratchet/kernel";
import { z } from "zod";
import { PREFIX, type ReportedError } from "./errors.js";

const id = z.string().min(1);
const count = z.number().int().min(1);

/** Schema of a job message: `jobId`, plus any of the other `DequeuedJob` fields. */
export const JobMessageSchema = z.object({
  jobId: id,
  workflowRunId: id.optional(),
  workflowId: id.optional(),
  stageId: id.optional(),
  attempt: count.optional(),
  maxAttempts: count.optional(),
  priority: z.number().int().optional(),
  payload: z.record(z.string(), z.json()).optional(),
  /** When the job is due, if later than its publication (see `readyWorkMessage`). */
  notBefore: z.string().optional(),
});

/**
 * Schema of a pending-run message (`{ pendingRunId }`, sent by a `JobPublisher` when a run
 * became `PENDING`): the host claims pending runs (`run.claimPending`) and runs the first job.
 */
export const PendingRunMessageSchema = z.object({
  pendingRunId: id,
  notBefore: z.string().optional(),
});

/** Schema of a message that must carry the whole job (transports without `claimJob`). */
export const FullJobMessageSchema = JobMessageSchema.omit({ notBefore: true }).required();

/** A job message: a `jobId`, and optionally the rest of the job. */
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** Result of {@link parseJobMessage}. */
export type ParsedJobMessage =
  | {
      ok: true;
      jobId: string;
      /** The whole job, when `full` was asked for. */
      job?: DequeuedJob;
      pendingRunId?: undefined;
    }
  /** A pending-run message: claim a pending run. */
  | { ok: true; pendingRunId: string; jobId?: undefined; job?: undefined }
  | { ok: false; error: ReportedError & { field: string } };

/** Field named for a message that is not an object at all. */
export const ROOT_FIELD = "message";

/**
 * Validates `value` as a job message; `full` demands every `DequeuedJob` field. Never throws:
 * a bad message comes back as an `INVALID_MESSAGE` error naming the first offending field
 * (`jobId`, `payload.x`, or `message` when the value is not an object).
 */
export function parseJobMessage(value: unknown, options: { full: boolean }): ParsedJobMessage {
  try {
    const tooDeep = deeperThan(value, MAX_MESSAGE_DEPTH);
    if (tooDeep) return unreadable(tooDeep, `nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
    return parse(value, options);
  } catch (error) {
    // A Proxy whose traps throw, a getter that throws, a value the schema cannot walk.
    return unreadable(ROOT_FIELD, `cannot be read: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** How deeply a message may nest (a job's payload is small, shallow JSON). */
export const MAX_MESSAGE_DEPTH = 64;

/**
 * The path of the first place `value` nests deeper than `max` levels, or `undefined`. Walks
 * iteratively: a recursion would overflow the stack on the very values it guards against.
 */
function deeperThan(value: unknown, max: number): string | undefined {
  const stack: Array<{ node: unknown; depth: number; path: string }> = [
    { node: value, depth: 0, path: ROOT_FIELD },
  ];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop() as { node: unknown; depth: number; path: string };
    if (node === null || typeof node !== "object") continue;
    if (depth >= max) return path;
    for (const [key, child] of Object.entries(node)) {
      stack.push({
        node: child,
        depth: depth + 1,
        path: path === ROOT_FIELD ? key : `${path}.${key}`,
      });
    }
  }
  return undefined;
}

function unreadable(field: string, why: string): ParsedJobMessage {
  return {
    ok: false,
    error: {
      code: "INVALID_MESSAGE",
      message: `${PREFIX} invalid job message: ${field}: ${why}`,
      field,
    },
  };
}

function parse(value: unknown, options: { full: boolean }): ParsedJobMessage {
  if (isPendingRunMessage(value)) {
    const parsed = PendingRunMessageSchema.safeParse(value);
    return parsed.success
      ? { ok: true, pendingRunId: parsed.data.pendingRunId }
      : invalid(parsed.error);
  }
  if (options.full) {
    const parsed = FullJobMessageSchema.safeParse(value);
    if (!parsed.success) return invalid(parsed.error);
    const { payload, ...job } = parsed.data;
    return { ok: true, jobId: job.jobId, job: { ...job, payload: payload as JsonObject } };
  }
  const parsed = JobMessageSchema.safeParse(value);
  return parsed.success ? { ok: true, jobId: parsed.data.jobId } : invalid(parsed.error);
}

/** A message naming a pending run and no job. */
function isPendingRunMessage(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && "pendingRunId" in value && !("jobId" in value)
  );
}

function invalid(error: z.ZodError): ParsedJobMessage {
  const issues = error.issues.map((issue) => ({
    field: issue.path.length === 0 ? ROOT_FIELD : issue.path.map(String).join("."),
    message: issue.message,
  }));
  const first = issues[0] ?? { field: ROOT_FIELD, message: "invalid" };
  return {
    ok: false,
    error: {
      code: "INVALID_MESSAGE",
      message: `${PREFIX} invalid job message: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      field: first.field,
    },
  };
}
