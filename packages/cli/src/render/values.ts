/**
 * Values (run inputs and outputs) as indented `key  value` lines: dates as ISO strings, lists
 * of scalars joined, nested objects indented, anything else as compact JSON.
 */
import type { Style } from "./style.js";
import { padEnd } from "./style.js";

function scalar(value: unknown): string | undefined {
  if (value === null) return "null";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => scalar(v) !== undefined && !Array.isArray(v)))
    return value.map((v) => scalar(v)).join(", ");
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** The lines showing `value`, each starting with `indent`. */
export function renderValue(value: unknown, style: Style, indent = "  "): string[] {
  if (!isPlainObject(value)) return [`${indent}${scalar(value) ?? JSON.stringify(value)}`];
  const keys = Object.keys(value);
  const width = Math.max(0, ...keys.map((k) => k.length));
  const lines: string[] = [];
  for (const key of keys) {
    const item = value[key];
    const text = scalar(item);
    if (text !== undefined) lines.push(`${indent}${style.dim(padEnd(key, width))}  ${text}`);
    else if (isPlainObject(item)) {
      lines.push(`${indent}${style.dim(key)}`);
      lines.push(...renderValue(item, style, `${indent}  `));
    } else lines.push(`${indent}${style.dim(padEnd(key, width))}  ${JSON.stringify(item)}`);
  }
  return lines;
}

/** `2026-11-22 10:00:01Z` (seconds precision, UTC). */
export function formatTimestamp(date: Date | null | undefined): string {
  return date ? `${date.toISOString().slice(0, 19).replace("T", " ")}Z` : "";
}
