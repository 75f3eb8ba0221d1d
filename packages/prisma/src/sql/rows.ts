/**
 * Reading values back from rows: drivers return dates as `Date`, ISO strings or epoch numbers,
 * integers as numbers or BigInt, JSON as text; these normalise all of them. A JSON column that
 * cannot be read back (not JSON, or JSON of the wrong kind) fails with `CORRUPT_ROW` naming
 * the table, column and row, never with a bare `SyntaxError`.
 */
import { type JsonValue, RatchetError } from "@ratchet/kernel/adapter";
import type { Dialect } from "./dialect.js";

/** Where a column value was read from, for the error when it cannot be read. */
export interface ColumnRef {
  table: string;
  column: string;
  /** The row's primary key (`id`, `job_id`, `key`). */
  rowId: unknown;
  /** The run the row belongs to, when it belongs to one. */
  workflowRunId?: unknown;
}

/**
 * A stored value cannot be read back: a JSON column holds invalid JSON or JSON of the wrong
 * kind (e.g. an array where an object is stored). Code `CORRUPT_ROW`; `field` is the column.
 */
export class CorruptRowError extends RatchetError {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;

  constructor(at: ColumnRef, problem: string, cause?: unknown) {
    const rowId = String(at.rowId);
    super(
      "CORRUPT_ROW",
      `[ratchet] [prisma] ${at.table}.${at.column} of row "${rowId}" cannot be read: ${problem}`,
      {
        field: at.column,
        ...(typeof at.workflowRunId === "string" ? { workflowRunId: at.workflowRunId } : {}),
        ...(cause === undefined ? {} : { cause }),
      },
    );
    this.table = at.table;
    this.column = at.column;
    this.rowId = rowId;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), table: this.table, column: this.column, rowId: this.rowId };
  }
}

const UNKNOWN_COLUMN: ColumnRef = { table: "?", column: "?", rowId: "?" };

/** A column value as a Date. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === "number") return new Date(value);
  if (typeof value === "bigint") return new Date(Number(value));
  if (typeof value === "string")
    return /^-?\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  throw new TypeError(`[ratchet] [prisma] expected a date, got ${typeof value}`);
}

/** A nullable column value as a Date or null. */
export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** A column value as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || typeof value === "string") return Number(value);
  throw new TypeError(`[ratchet] [prisma] expected a number, got ${typeof value}`);
}

/**
 * The table a decoded row comes from: one constant per table, so decoding names the column of a
 * failure without allocating anything per row or per column on the (common) success path.
 */
export interface RowSource {
  table: string;
  /** The column holding the row's id. */
  idColumn: string;
  /** The column holding the row's run id, if any. */
  runColumn?: string;
}

/** Where a value came from: a fixed {@link ColumnRef}, or a {@link RowSource} plus the row and column. */
type Where = ColumnRef | RowSource;

function refOf(where: Where, row: Record<string, unknown> | undefined, column: string): ColumnRef {
  if (!("idColumn" in where)) return where;
  return {
    table: where.table,
    column,
    rowId: row?.[where.idColumn],
    ...(where.runColumn !== undefined ? { workflowRunId: row?.[where.runColumn] } : {}),
  };
}

/**
 * JSON text as a value; throws {@link CorruptRowError} naming the table, column and row when
 * it is not JSON (`where` is a {@link RowSource} with `row` and `column`, or a whole ColumnRef).
 */
export function parseJson<T = JsonValue>(
  value: unknown,
  where: Where = UNKNOWN_COLUMN,
  row?: Record<string, unknown>,
  column = "?",
): T {
  if (typeof value !== "string")
    throw new CorruptRowError(refOf(where, row, column), `expected JSON text, got ${typeof value}`);
  try {
    return JSON.parse(value) as T;
  } catch (error) {
    throw new CorruptRowError(
      refOf(where, row, column),
      `invalid JSON (${(error as Error).message})`,
      error,
    );
  }
}

/** Nullable JSON text as a value or null (see {@link parseJson}). */
export function parseJsonOrNull<T = JsonValue>(
  value: unknown,
  where: Where = UNKNOWN_COLUMN,
  row?: Record<string, unknown>,
  column = "?",
): T | null {
  return value === null || value === undefined ? null : parseJson<T>(value, where, row, column);
}

/** JSON text of an object (not an array, not null), as a value (see {@link parseJson}). */
export function parseJsonObject<T = JsonValue>(
  value: unknown,
  where: Where = UNKNOWN_COLUMN,
  row?: Record<string, unknown>,
  column = "?",
): T {
  const parsed = parseJson<unknown>(value, where, row, column);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed;
    throw new CorruptRowError(refOf(where, row, column), `expected a JSON object, got ${kind}`);
  }
  return parsed as T;
}

/** A value as JSON text for a parameter. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** A nullable value as JSON text or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Bytes from a blob column. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array)
    return new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
  if (typeof value === "string") return Uint8Array.from(Buffer.from(value, "base64"));
  throw new TypeError(`[ratchet] [prisma] expected bytes, got ${typeof value}`);
}

/**
 * Decodes `rows`, skipping those that cannot be read: `onCorrupt` is told of each (to fail or
 * park it) so one corrupt row cannot fail every batch it comes up in. Other errors propagate.
 */
export async function decodeReadable<T>(
  rows: readonly Record<string, unknown>[],
  decode: (row: Record<string, unknown>) => T,
  onCorrupt: (row: Record<string, unknown>, error: CorruptRowError) => unknown = () => undefined,
): Promise<T[]> {
  const out: T[] = [];
  for (const row of rows) {
    try {
      out.push(decode(row));
    } catch (error) {
      if (!(error instanceof CorruptRowError)) throw error;
      await onCorrupt(row, error);
    }
  }
  return out;
}

/** A boolean as the driver returns it: `true`/`false` (PostgreSQL) or 1/0 (SQLite). */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1" || value === "t";
}

/** A boolean as a query parameter (SQLite binds no booleans). */
export function booleanParam(d: Dialect, value: boolean): boolean | number {
  return d.provider === "postgresql" ? value : value ? 1 : 0;
}
