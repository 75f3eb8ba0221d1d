/**
 * The kernel's structure, kept by tests: commands are modules in one list, internal code does
 * not reach into commands, the dispatcher has no per-command branch, and no source file grows
 * past 400 lines.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/commands/index.js";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The relative specifiers a file imports or re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)].map(
    (m) => m[1] as string,
  );
}

describe("kernel structure", () => {
  it("nothing in internal/ imports from commands/", () => {
    const offenders = sourceFiles(join(SRC, "internal")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => join(dirname(file), spec).startsWith(join(SRC, "commands")))
        .map((spec) => `${relative(SRC, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the kernel imports no adapter: only testing/ and the in-memory entry reach in-memory/", () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => {
        const path = relative(SRC, file);
        return !path.startsWith("in-memory") && !path.startsWith("testing");
      })
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => join(dirname(file), spec).startsWith(join(SRC, "in-memory", "")))
          .map((spec) => `${relative(SRC, file)} → ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it("kernel.ts names no command: its table is the COMMANDS list", () => {
    // Code only: the TSDoc example may name a command.
    const text = readFileSync(join(SRC, "kernel.ts"), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    const named = COMMANDS.map((m) => m.type).filter((type) => text.includes(`"${type}"`));
    expect(named).toEqual([]);
  });

  it("every command module is in COMMANDS once, with a schema that knows its type", () => {
    const types = COMMANDS.map((m) => m.type);
    expect(new Set(types).size).toBe(types.length);
    for (const module of COMMANDS) {
      const parsed = module.schema.safeParse({ type: "not-this-one" });
      expect(parsed.success, module.type).toBe(false);
    }
  });

  it("no hand-written source file is over 400 lines", () => {
    const long = sourceFiles(SRC)
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, "utf8").split("\n").length,
      }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });
});
