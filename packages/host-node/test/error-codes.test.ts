/**
 * Keeps `NODE_HOST_ERROR_CODES` (src/error-codes.ts) complete and current.
 *
 * The scanner is deliberately plain: it reads every `.ts` file under src/ (minus the list
 * itself) and collects each double-quoted string literal that looks like a code — upper case,
 * digits and underscores, e.g. `"INVALID_HOST_OPTIONS"` — on lines that are not comments. Codes are
 * raised in many shapes (`new RatchetError("X", …)`, a subclass's `super("X", …)`,
 * `code: "X"`, `?? "X"`), so it takes every such literal rather than parsing those shapes,
 * and asks for a decision on each one: either it is a code (in the list) or it is not (in
 * {@link NOT_CODES}, with the reason).
 *
 * Limits: a code built at run time (a template string) is not seen, and a code that is also
 * used as something else counts as used while either use stays.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { isNodeHostErrorCode, NODE_HOST_ERROR_CODES } from "../src/error-codes.js";

const SRC = join(import.meta.dirname, "..", "src");

/** Not scanned: the list itself. */
const SKIP = new Set(["error-codes.ts"]);

/** Code-shaped literals of src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  SIGTERM: "a signal the host stops on",
  SIGINT: "a signal the host stops on",
};

/** A double-quoted literal of two or more upper-case letters, digits and underscores. */
const CODE_LITERAL = /"([A-Z][A-Z0-9_]*[A-Z0-9])"/g;

/** Every `.ts` file under `dir`, as paths relative to src/, minus {@link SKIP}. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const rel = relative(SRC, path).split("\\").join("/");
    if (SKIP.has(rel)) return [];
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** Each code-shaped literal of src/ with the places (`file:line`) it occurs. */
function scan(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    readFileSync(join(SRC, file), "utf8")
      .split("\n")
      .forEach((line, i) => {
        const text = line.trim();
        if (text.startsWith("*") || text.startsWith("//") || text.startsWith("/*")) return;
        for (const [, literal] of text.matchAll(CODE_LITERAL)) {
          const at = found.get(literal as string) ?? [];
          at.push(`${file}:${i + 1}`);
          found.set(literal as string, at);
        }
      });
  }
  return found;
}

describe("NODE_HOST_ERROR_CODES", () => {
  const found = scan();
  const listed = new Set<string>(NODE_HOST_ERROR_CODES);

  it("lists every code the package's source raises or reports", () => {
    const missing = [...found]
      .filter(([literal]) => !listed.has(literal) && !(literal in NOT_CODES))
      .map(([literal, at]) => `${literal} (${at.join(", ")})`);
    // Add each one to src/error-codes.ts, or to NOT_CODES above if it is not an error code.
    expect(missing).toEqual([]);
  });

  it("lists no code the source no longer uses", () => {
    expect(NODE_HOST_ERROR_CODES.filter((code) => !found.has(code))).toEqual([]);
  });

  it("lists each code once, and none that is also in NOT_CODES", () => {
    expect(listed.size).toBe(NODE_HOST_ERROR_CODES.length);
    expect(NODE_HOST_ERROR_CODES.filter((code) => code in NOT_CODES)).toEqual([]);
  });

  it("isNodeHostErrorCode accepts exactly the listed codes", () => {
    for (const code of NODE_HOST_ERROR_CODES) expect(isNodeHostErrorCode(code)).toBe(true);
    for (const value of ["RUNNING", "invalid_options", "", undefined, null, 1]) {
      expect(isNodeHostErrorCode(value)).toBe(false);
    }
  });
});
