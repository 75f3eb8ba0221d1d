/**
 * `errorCodeListTests`: keeps a package's list of error codes (e.g. `KERNEL_ERROR_CODES`)
 * complete and current, against the package's own source.
 *
 * The scan is deliberately plain: it takes each double-quoted string literal that looks like a
 * code — upper case, digits and underscores, e.g. `"STAGE_TIMEOUT"` — on lines that are not
 * comments. Codes are raised in many shapes (`new RatchetError("X", …)`, a subclass's
 * `super("X", …)`, `code: "X"`, `?? "X"`), so it takes every such literal rather than parsing
 * those shapes, and asks for a decision on each: either it is a code (in the list) or it is not
 * (in `notCodes`, with the reason). A code built at run time (a template string) is not seen.
 *
 * @example
 * ```ts
 * errorCodeListTests({
 *   name: "PRISMA_ERROR_CODES",
 *   codes: PRISMA_ERROR_CODES,
 *   isCode: isPrismaErrorCode,
 *   notCodes: { BEGIN: "SQL" },
 *   sources: () => readSourceTree(srcDir, ["error-codes.ts"], fs), // fs: node:fs
 * });
 * ```
 */
import { describe, expect, it } from "vitest";

/** A source file to scan. */
export interface SourceText {
  /** Where it is, for the failure message. */
  path: string;
  text: string;
}

/** Options of {@link errorCodeListTests}. */
export interface ErrorCodeListOptions {
  /** The list's name, for the test names. */
  name: string;
  codes: readonly string[];
  /** The package's guard for its codes. */
  isCode: (value: unknown) => boolean;
  /** Code-shaped literals of the source that are not error codes, each with what it is. */
  notCodes: Readonly<Record<string, string>>;
  /** The package's source files, without the list itself and without fixtures. */
  sources: () => readonly SourceText[];
}

/** The parts of `node:fs` {@link readSourceTree} uses (passed in: this entry imports no Node module). */
export interface SourceTreeFs {
  readdirSync(
    path: string,
    options: { withFileTypes: true },
  ): Array<{ name: string; isDirectory(): boolean }>;
  readFileSync(path: string, encoding: "utf8"): string;
}

/**
 * Every `.ts` file (not `.d.ts`) under `root`, with paths relative to it (`/`-separated),
 * leaving out the files and folders named in `skip` (relative paths too).
 */
export function readSourceTree(
  root: string,
  skip: readonly string[],
  fs: SourceTreeFs,
): SourceText[] {
  const skipped = new Set(skip);
  const walk = (rel: string): SourceText[] =>
    fs.readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true }).flatMap((entry) => {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (skipped.has(path)) return [];
      if (entry.isDirectory()) return walk(path);
      if (!entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) return [];
      return [{ path, text: fs.readFileSync(`${root}/${path}`, "utf8") }];
    });
  return walk("");
}

/** A double-quoted literal of two or more upper-case letters, digits and underscores. */
const CODE_LITERAL = /"([A-Z][A-Z0-9_]*[A-Z0-9])"/g;

/** Each code-shaped literal of `sources` with the places (`path:line`) it occurs. */
export function scanCodeLiterals(sources: readonly SourceText[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const { path, text } of sources) {
    text.split("\n").forEach((line, i) => {
      const code = line.trim();
      if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) return;
      for (const [, literal] of code.matchAll(CODE_LITERAL)) {
        const at = found.get(literal as string) ?? [];
        at.push(`${path}:${i + 1}`);
        found.set(literal as string, at);
      }
    });
  }
  return found;
}

/** Registers the tests (vitest) that keep `options.codes` matching the source. */
export function errorCodeListTests(options: ErrorCodeListOptions): void {
  const { name, codes, isCode, notCodes } = options;
  describe(name, () => {
    const found = scanCodeLiterals(options.sources());
    const listed = new Set<string>(codes);

    it("lists every code the package's source raises, stores or reports", () => {
      const missing = [...found]
        .filter(([literal]) => !listed.has(literal) && !(literal in notCodes))
        .map(([literal, at]) => `${literal} (${at.join(", ")})`);
      // Add each one to the list, or to notCodes if it is not an error code.
      expect(missing).toEqual([]);
    });

    it("lists no code the source no longer uses", () => {
      expect(codes.filter((code) => !found.has(code))).toEqual([]);
    });

    it("lists each code once, and none that is also in notCodes", () => {
      expect(listed.size).toBe(codes.length);
      expect(codes.filter((code) => code in notCodes)).toEqual([]);
    });

    it("its guard accepts exactly the listed codes", () => {
      for (const code of codes) expect(isCode(code)).toBe(true);
      for (const value of ["RUNNING", "invalid_options", "", undefined, null, 1]) {
        expect(isCode(value)).toBe(false);
      }
    });
  });
}
