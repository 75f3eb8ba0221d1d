/**
 * What every conformance suite shares: the options shape, the per-test fixture lifecycle,
 * unique ids, fixed test times and sample JSON values.
 */
import { afterEach, beforeEach } from "vitest";
import type { JsonObject, JsonValue } from "../../records.js";

/** Every fixture can be closed (disconnect, drop the schema, …). */
export interface ConformanceFixture {
  /** Called after each test. */
  close(): Promise<void>;
}

/** Options every conformance suite takes. */
export interface ConformanceOptions<F extends ConformanceFixture> {
  /** Names the adapter in test titles, e.g. `in-memory` or `prisma (postgres)`. */
  name: string;
  /**
   * Creates a fresh fixture before each test. Its store must hold no rows (truncate the
   * tables, or create a new schema or database): claims and dequeues look at every row. Tests
   * still give every row a unique id.
   */
  create: () => Promise<F>;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that create and close a fixture; returns a getter
 * of the current test's fixture.
 */
export function useFixture<F extends ConformanceFixture>(options: ConformanceOptions<F>): () => F {
  let current: F | undefined;
  beforeEach(async () => {
    current = await options.create();
  });
  afterEach(async () => {
    const fixture = current;
    current = undefined;
    await fixture?.close();
  });
  return () => {
    if (current === undefined)
      throw new Error("[ratchet] [conformance] no fixture: create() has not run");
    return current;
  };
}

/** A unique id with a readable prefix. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** The time all conformance tests count from: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

/** `T0 + ms`, as a new `Date` (whole milliseconds, which every database keeps). */
export function at(ms: number): Date {
  return new Date(T0 + ms);
}

/** Seconds, in milliseconds. */
export const SECOND = 1_000;

/** An error thrown on purpose to roll a transaction back. */
export class RollbackProbe extends Error {
  constructor() {
    super("[ratchet] [conformance] rollback on purpose");
    this.name = "RollbackProbe";
  }
}

/**
 * Nested JSON exercising every kind of value adapters must keep: strings (with quotes, escapes
 * and non-ASCII), integers, negative and fractional numbers, booleans, null, empty and nested
 * arrays and objects, and keys that look special.
 */
export function sampleJson(): JsonObject {
  return {
    text: 'quotes " and \\ backslash, newline\n, tab\t, accents é, emoji 🚀',
    empty: "",
    zero: 0,
    integer: 42,
    negative: -17,
    fraction: 3.25,
    big: 9_007_199_254_740_991,
    yes: true,
    no: false,
    nothing: null,
    emptyArray: [],
    emptyObject: {},
    list: [1, "two", false, null, [3, [4]], { five: 5 }],
    nested: { deeper: { deepest: { values: [null, true, 0.5, "x"] } } },
    "key with spaces": "ok",
    $date: "not a date, just a key",
  };
}

/** Top-level JSON values of every kind. */
export const TOP_LEVEL_JSON: readonly JsonValue[] = [
  null,
  true,
  false,
  0,
  -1.5,
  "plain string",
  "",
  [],
  [1, [2, [3]]],
  {},
  { a: { b: [null] } },
];

/** A reference to `attempt` (default 1, the first dequeue) of a job. */
export function attemptOf(jobId: string, attempt = 1): { jobId: string; attempt: number } {
  return { jobId, attempt };
}
