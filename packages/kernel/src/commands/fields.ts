/**
 * The building blocks of command schemas, twice: as zod schemas (the definition, and the
 * source of every error) and as hand-written checks that let well-formed commands through
 * without running zod (zod's safeParse of a well-formed command costs more than some commands
 * do). Each check must be sound against its schema: it may refuse a value zod accepts, never
 * the reverse.
 */
import { z } from "zod";
import type { CommandFields } from "./command.js";

/** An id: 1 to 200 characters. */
export const id = z.string().min(1).max(200);
/** An integer above 0. */
export const positiveInt = z.number().int().positive();
/** An integer of 0 or more. */
export const nonNegativeInt = z.number().int().nonnegative();
/** An object with string keys. */
export const plainObject = z.record(z.string(), z.unknown());
/** How many jobs a worker takes on right away (`continueWith`). */
export const continueCount = z.number().int().min(0).max(1_000);

/** A job as `dequeue` hands it out. */
export const dequeuedJob = z.object({
  jobId: id,
  workflowRunId: id,
  workflowId: id,
  stageId: id,
  priority: z.number().int(),
  attempt: positiveInt,
  maxAttempts: positiveInt,
  payload: plainObject,
});

/** Passes what {@link id} accepts. */
export const isId = (v: unknown): boolean =>
  typeof v === "string" && v.length >= 1 && v.length <= 200;
/** Passes what `z.number().int()` accepts. */
export const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
/** Passes what {@link positiveInt} accepts. */
export const isPositiveInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
/** Passes what {@link nonNegativeInt} accepts. */
export const isNonNegativeInt = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0;
/** Passes what {@link continueCount} accepts. */
export const isContinueWith = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 1_000;

/** Whether `v` is a non-array object whose fields can be read. */
export const isObject = (v: unknown): v is CommandFields =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** What {@link plainObject} accepts, narrowed to plain objects without symbols. */
export function isPlainObject(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0
  );
}

/** `undefined`, or a value `check` passes. */
export function optional(v: unknown, check: (v: unknown) => boolean): boolean {
  return v === undefined || check(v);
}

/** Passes what {@link dequeuedJob} accepts. */
export function isDequeuedJob(v: unknown): boolean {
  return (
    isObject(v) &&
    isId(v.jobId) &&
    isId(v.workflowRunId) &&
    isId(v.workflowId) &&
    isId(v.stageId) &&
    isInt(v.priority) &&
    isPositiveInt(v.attempt) &&
    isPositiveInt(v.maxAttempts) &&
    isPlainObject(v.payload)
  );
}

/** Passes an array of ids. */
export function isIdArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isId(v[i])) return false;
  return true;
}
