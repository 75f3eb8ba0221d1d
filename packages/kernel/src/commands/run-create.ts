/**
 * `run.create`: validates input and config, then creates a `PENDING` run — or, with a delayed
 * start, a `SCHEDULED` one and the scheduler entry that releases it — its `workflow.created`
 * event and its idempotency record in one transaction.
 */

import { z } from "zod";
import { encodeValue } from "../codec.js";
import { defaultPriorityOf } from "../dsl/flow-limits.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import {
  IdempotencyKeyConflictError,
  IdempotencyKeyInProgressError,
  InvalidConfigError,
  InvalidInputError,
  RatchetError,
  type ValidationIssue,
  WorkflowNotFoundError,
} from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { concurrencyKeyOf } from "../internal/run/concurrency-key.js";
import { RUN_START_COMMAND, startCorrelationId } from "../internal/run/correlation.js";
import { inTransaction, pendingRun, type UnitOfWork } from "../internal/tx/unit-of-work.js";
import { checkMetadataKeys } from "../internal/values/metadata-keys.js";
import { checkPayloadSize } from "../internal/values/payload-size.js";
import { stableHash } from "../internal/values/stable-hash.js";
import { zodIssues } from "../internal/values/zod-issues.js";
import type { JsonObject, JsonValue, RunStatus } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId, isPlainObject, optional, plainObject } from "./fields.js";
import { debounceInto, runOfKey } from "./run-create-limits.js";

/** Creates a run (status `PENDING`); validates input and config first. */
export interface RunCreateCommand {
  type: "run.create";
  workflowId: string;
  input: unknown;
  /** Per-stage config, keyed by stage id; each is validated against the stage's config schema. */
  config?: Record<string, unknown>;
  /** Higher runs first (default: the workflow's `priority`, else 0). */
  priority?: number;
  metadata?: Record<string, unknown>;
  /** A second `run.create` with the same key returns the first run instead of creating one. */
  idempotencyKey?: string;
  /**
   * Start no earlier than this time: the run is created `SCHEDULED` (no worker claims it, no
   * query looks at it) and becomes `PENDING` then, through the scheduler. A time already past
   * starts it at once. Not with `delayMs`.
   */
  startAt?: Date | string;
  /** Start this long after now (ms); see `startAt`. */
  delayMs?: number;
}

/** Result of `run.create`. */
export interface RunCreateResult {
  workflowRunId: string;
  status: RunStatus;
  /** True when an earlier command with the same idempotency key created the run. */
  replayed: boolean;
  /**
   * True when nothing was created because the workflow is a `singleton` in `"skip"` mode and
   * a run with the same key is active: `workflowRunId` and `status` are that run's.
   */
  skipped?: true;
  /**
   * True when nothing was created because the workflow is debounced and its key had a run
   * waiting to start: that run (`workflowRunId`) took this input and starts later.
   */
  debounced?: true;
}

/** Passes what the schema's `priority` accepts. */
const isPriority = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= -1_000_000 && (v as number) <= 1_000_000;

/** Passes what the schema's `idempotencyKey` accepts. */
const isIdempotencyKey = (v: unknown): boolean =>
  typeof v === "string" && v.length >= 1 && v.length <= 500;

/** A `run.create` validated and encoded, ready to be written ({@link writeRun}). */
export interface PreparedRun {
  workflow: AnyWorkflow;
  input: JsonValue;
  config: JsonObject;
  metadata: JsonObject;
  priority: number;
  concurrencyKey: string | null;
  idempotencyKey: string | undefined;
  /** What the idempotency key promises: a hash of the request (`""` without a key). */
  request: string;
  /** A delayed start: at a time, or this long after the run is written. */
  start?: { at: Date } | { delayMs: number };
}

/** Passes what the schema's `delayMs` accepts. */
const isDelay = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_DELAY_MS;

/** Handles `run.create`. */
export async function runCreate(
  command: RunCreateCommand,
  deps: KernelDeps,
): Promise<RunCreateResult> {
  const prepared = prepareRun(command, deps);
  return inTransaction(deps, (uow) => writeRun(uow, deps, prepared));
}

/**
 * Validates a `run.create` (the workflow, its input, config and metadata) and encodes it;
 * throws the command's typed errors. Writes nothing: `schedules.fireDue` prepares the runs of
 * its slots with it, then writes them in its own transaction.
 */
export function prepareRun(command: Omit<RunCreateCommand, "type">, deps: KernelDeps): PreparedRun {
  const workflow = deps.registry.getWorkflow(command.workflowId);
  if (!workflow) throw new WorkflowNotFoundError(command.workflowId);

  const parsed = workflow.inputSchema.safeParse(command.input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "input");
    throw new InvalidInputError(
      `[ratchet] input of workflow "${workflow.id}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
      { workflowId: workflow.id, ...(issues[0] ? { field: issues[0].path } : {}) },
    );
  }
  const limit = deps.options.maxPayloadBytes;
  const context = { workflowId: workflow.id };
  const input = encodeValue(parsed.data, "input");
  checkPayloadSize(input, limit, "input", context);
  const config = resolveConfig(workflow, command.config ?? {});
  checkPayloadSize(config, limit, "config", context);
  const metadata = encodeValue(command.metadata ?? {}, "metadata") as JsonObject;
  checkMetadataKeys(metadata, context);
  checkPayloadSize(metadata, limit, "metadata", context);
  const concurrencyKey = concurrencyKeyOf(workflow, parsed.data, deps.options.defaultConcurrency);
  const start = startOf(command, workflow.id);
  const priority =
    command.priority ?? defaultPriorityOf(workflow.id, workflow.flowLimits, parsed.data);
  const key = command.idempotencyKey;
  // What the key promises: the same request. A repeat that asks for something else is refused.
  const request =
    key === undefined
      ? ""
      : stableHash([
          workflow.id,
          input,
          config,
          metadata,
          priority,
          ...(start ? [encodeValue(start, "start")] : []),
        ]);
  return {
    ...(start ? { start } : {}),
    workflow,
    input,
    config,
    metadata,
    priority,
    concurrencyKey,
    idempotencyKey: key,
    request,
  };
}

/**
 * Writes a prepared run in `uow`: the `PENDING` run, its `workflow.created` event and its
 * idempotency key — or, when the key was used before, the earlier run (`replayed: true`).
 */
export async function writeRun(
  uow: UnitOfWork,
  deps: KernelDeps,
  prepared: PreparedRun,
): Promise<RunCreateResult> {
  const { workflow, input, config, metadata, concurrencyKey, request } = prepared;
  const key = prepared.idempotencyKey;
  if (key !== undefined) {
    const acquired = await uow.tx.acquireIdempotencyKey(key, "run.create", uow.now);
    if (acquired.status === "in_progress")
      throw new IdempotencyKeyInProgressError(key, "run.create");
    if (acquired.status === "replay") {
      const previous = acquired.result as {
        workflowRunId: string;
        status: RunCreateResult["status"];
        request?: string;
      };
      if (previous.request !== undefined && previous.request !== request)
        throw new IdempotencyKeyConflictError(key, "run.create", previous.workflowRunId);
      return { workflowRunId: previous.workflowRunId, status: previous.status, replayed: true };
    }
  }
  if (workflow.flowLimits?.singleton?.mode === "skip" && concurrencyKey !== null) {
    const active = await runOfKey(uow, concurrencyKey, workflow.id);
    if (active) {
      const skipped = { workflowRunId: active.id, status: active.status, replayed: false };
      if (key !== undefined)
        await uow.tx.completeIdempotencyKey(key, "run.create", { ...skipped, request });
      return { ...skipped, skipped: true };
    }
  }
  let startAt = startTime(prepared.start, uow.now);
  const debounce = workflow.flowLimits?.debounce;
  if (debounce && concurrencyKey !== null) {
    // The window: the run starts periodMs after the last create (or at its own later start).
    const windowEnd = new Date(uow.now.getTime() + debounce.periodMs);
    if (!startAt || startAt < windowEnd) startAt = windowEnd;
    const folded = await debounceInto(uow, deps, concurrencyKey, workflow.id, { input, startAt });
    if (folded) {
      const result = {
        workflowRunId: folded.run.id,
        status: "SCHEDULED" as const,
        replayed: false,
      };
      if (key !== undefined)
        await uow.tx.completeIdempotencyKey(key, "run.create", { ...result, request });
      return { ...result, debounced: true };
    }
  }
  const status = startAt ? "SCHEDULED" : "PENDING";
  // The run's span, a child of the caller's; its context is stored in the run's metadata.
  const span = deps.telemetry?.startRun(workflow, metadata);
  const run = await uow.tx.createRun({
    ...(startAt ? { status: "SCHEDULED" as const } : {}),
    id: deps.newId(),
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    fingerprint: workflow.fingerprint,
    priority: prepared.priority,
    input,
    config,
    metadata: span ? span.metadata : metadata,
    ...(concurrencyKey !== null ? { concurrencyKey } : {}),
    idempotencyKey: key ?? null,
    eventSeq: 1,
    createdAt: uow.now,
  });
  await uow.tx.appendOutboxEvents([
    {
      id: deps.newId(),
      runId: run.id,
      sequence: 1,
      type: "workflow.created",
      payload: {
        workflowId: workflow.id,
        priority: run.priority,
        ...(startAt ? { startAt: startAt.toISOString() } : {}),
      },
      occurredAt: uow.now,
    },
  ]);
  if (startAt) {
    await uow.schedule((scope) =>
      deps.scheduler.schedule(
        {
          type: RUN_START_COMMAND,
          correlationId: startCorrelationId(run.id),
          payload: { workflowRunId: run.id },
          runAt: startAt,
        },
        scope,
      ),
    );
  }
  if (span) uow.afterCommit(() => span.end(run));
  if (!startAt) uow.ready(pendingRun(run, uow.now));
  if (key !== undefined) {
    const result: JsonValue = { workflowRunId: run.id, status, request };
    await uow.tx.completeIdempotencyKey(key, "run.create", result);
  }
  return { workflowRunId: run.id, status, replayed: false };
}

/** Most a start may be put off: about 10 years. */
const MAX_DELAY_MS = 10 * 366 * 24 * 60 * 60 * 1000;

/** The command's delayed start, checked (`INVALID_START`, naming the field). */
function startOf(
  command: Omit<RunCreateCommand, "type">,
  workflowId: string,
): PreparedRun["start"] {
  const { startAt, delayMs } = command;
  if (startAt !== undefined && delayMs !== undefined) {
    throw new RatchetError("INVALID_START", "[ratchet] give startAt or delayMs, not both", {
      workflowId,
      field: "delayMs",
    });
  }
  if (delayMs !== undefined) return { delayMs };
  if (startAt === undefined) return undefined;
  const at = startAt instanceof Date ? startAt : new Date(startAt);
  if (Number.isNaN(at.getTime())) {
    throw new RatchetError(
      "INVALID_START",
      `[ratchet] startAt ${JSON.stringify(String(startAt))} is not a valid date`,
      { workflowId, field: "startAt" },
    );
  }
  return { at };
}

/** When a delayed run starts, or `undefined` when it starts now (no delay, or a time past). */
function startTime(start: PreparedRun["start"], now: Date): Date | undefined {
  if (!start) return undefined;
  const at = "at" in start ? start.at : new Date(now.getTime() + start.delayMs);
  return at.getTime() > now.getTime() ? at : undefined;
}

/** Validates each stage's config (applying defaults); rejects config for unknown stages. */
function resolveConfig(workflow: AnyWorkflow, given: Record<string, unknown>): JsonObject {
  const issues: ValidationIssue[] = [];
  for (const stageId of Object.keys(given)) {
    if (!workflow.getStage(stageId)) {
      issues.push({
        path: `config.${stageId}`,
        message: `workflow "${workflow.id}" has no stage "${stageId}"`,
        code: "unknown_stage",
      });
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const group of workflow.groups) {
    for (const stage of group) {
      const parsed = stage.schemas.config.safeParse(given[stage.id] ?? {});
      if (parsed.success) resolved[stage.id] = parsed.data;
      else issues.push(...zodIssues(parsed.error, `config.${stage.id}`));
    }
  }
  if (issues.length > 0) {
    throw new InvalidConfigError(
      `[ratchet] config of workflow "${workflow.id}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
      { workflowId: workflow.id, field: (issues[0] as ValidationIssue).path },
    );
  }
  return encodeValue(resolved, "config") as JsonObject;
}

/** `run.create`: its schema, fast check and handler. */
export const runCreateModule = defineCommand<RunCreateCommand, RunCreateResult>({
  type: "run.create",
  schema: z.object({
    type: z.literal("run.create"),
    workflowId: id,
    input: z.unknown(),
    config: plainObject.optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    metadata: plainObject.optional(),
    idempotencyKey: z.string().min(1).max(500).optional(),
    startAt: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workflowId) &&
    "input" in c &&
    optional(c.config, isPlainObject) &&
    optional(c.priority, isPriority) &&
    optional(c.metadata, isPlainObject) &&
    optional(c.idempotencyKey, isIdempotencyKey) &&
    optional(c.delayMs, isDelay) &&
    // A string startAt goes through the schema (its ISO format check is zod's).
    optional(c.startAt, (v) => v instanceof Date && !Number.isNaN(v.getTime())),
  handle: runCreate,
});
