/**
 * Statements written with `$n` placeholders, for D1: numbered `?n` placeholders (a parameter
 * used twice is bound once), and D1's limit of 100 bound parameters per statement kept:
 *
 * - a multi-row `INSERT … VALUES (…), (…) …` is split into several inserts of fewer rows, sent
 *   in the same batch (so still all or nothing);
 * - any other statement past the limit (long `IN (…)` lists) gets its parameters written into
 *   the SQL as literals (`quote()`-style: text with `'` doubled, numbers, `X'…'` blobs, NULL).
 */
import type { D1Statement } from "./drivers/d1.js";

/** D1's limit of bound parameters per statement. */
export const D1_MAX_PARAMS = 100;

const PLACEHOLDER = /\$(\d+)/g;

/** `text`'s `$n` as `?n`, with the parameters renumbered through `map` (old index → new). */
function renumber(text: string, map: Map<number, number>): string {
  return text.replace(PLACEHOLDER, (_, n: string) => `?${map.get(Number(n)) ?? n}`);
}

/** The parameter numbers `text` uses, in order of first use. */
function used(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(PLACEHOLDER)) seen.add(Number(match[1]));
  return [...seen];
}

/** `text` with `values` bound as `?n`, using only the parameters in `numbers`. */
function bind(text: string, numbers: readonly number[], values: readonly unknown[]): D1Statement {
  const map = new Map(numbers.map((n, i) => [n, i + 1]));
  return { sql: renumber(text, map), params: numbers.map((n) => values[n - 1]) };
}

/** An SQL literal of a parameter value. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new TypeError(`[ratchet] [prisma] [d1] cannot bind ${value}`);
    return String(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return String(value.getTime());
  if (value instanceof Uint8Array) {
    let hex = "";
    for (const byte of value) hex += byte.toString(16).padStart(2, "0");
    return `X'${hex}'`;
  }
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** The `(…)` tuples after `VALUES` and what follows them, or null when it does not parse. */
function splitValues(text: string): { head: string; tuples: string[]; tail: string } | null {
  const match = /^\s*INSERT\s[\s\S]*?\bVALUES\s*/i.exec(text);
  if (!match) return null;
  const tuples: string[] = [];
  let i = match[0].length;
  for (;;) {
    if (text[i] !== "(") return null;
    const start = i;
    let depth = 0;
    let quoted = false;
    for (; i < text.length; i++) {
      const char = text[i];
      if (quoted) {
        if (char === "'" && text[i + 1] === "'")
          i++; // a doubled quote stays inside
        else if (char === "'") quoted = false;
      } else if (char === "'") quoted = true;
      else if (char === "(") depth++;
      else if (char === ")" && --depth === 0) break;
    }
    if (depth !== 0) return null;
    tuples.push(text.slice(start, ++i));
    const rest = /^\s*,\s*/.exec(text.slice(i));
    if (!rest) break;
    i += rest[0].length;
  }
  return { head: match[0], tuples, tail: text.slice(i) };
}

/** The D1 statements that do what `text` with `values` does (see the module documentation). */
export function d1Statements(text: string, values: readonly unknown[]): D1Statement[] {
  const numbers = used(text);
  if (numbers.length <= D1_MAX_PARAMS) return [bind(text, numbers, values)];
  const insert = splitValues(text);
  const tailNumbers = insert ? used(insert.tail) : [];
  if (insert && insert.tuples.length > 1 && tailNumbers.length < D1_MAX_PARAMS) {
    const statements: D1Statement[] = [];
    let rows: string[] = [];
    let count = new Set(tailNumbers);
    const flush = () => {
      if (rows.length === 0) return;
      const sql = `${insert.head}${rows.join(", ")}${insert.tail}`;
      statements.push(...d1Statements(sql, values));
      rows = [];
      count = new Set(tailNumbers);
    };
    for (const tuple of insert.tuples) {
      const mine = used(tuple).filter((n) => !count.has(n));
      if (rows.length > 0 && count.size + mine.length > D1_MAX_PARAMS) flush();
      rows.push(tuple);
      for (const n of used(tuple)) count.add(n);
    }
    flush();
    return statements;
  }
  return [
    {
      sql: text.replace(PLACEHOLDER, (_, n: string) => literal(values[Number(n) - 1])),
      params: [],
    },
  ];
}
