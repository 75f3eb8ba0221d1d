/**
 * The kernel must run in Node, AWS Lambda and Cloudflare Workers alike: it is bundled here
 * for a neutral platform, and the build fails on any Node built-in; its source must not use
 * timers, `process` or other Node globals.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("neutral platform", () => {
  for (const entry of ["index.ts", "adapter.ts", "in-memory.ts", "testing/index.ts"]) {
    it(`bundles src/${entry} for platform "neutral" with no Node built-ins`, async () => {
      const result = await build({
        entryPoints: [join(SRC, entry)],
        bundle: true,
        write: false,
        platform: "neutral",
        format: "esm",
        external: ["zod", "vitest"],
        logLevel: "silent",
        metafile: true,
      });
      const imports = Object.values(result.metafile.outputs).flatMap((o) =>
        o.imports.map((i) => i.path),
      );
      expect(imports.filter((p) => p !== "zod" && p !== "vitest")).toEqual([]);
    });
  }

  it("fails the bundle when a Node built-in is imported (the check has teeth)", async () => {
    await expect(
      build({
        stdin: {
          contents: 'import { readFileSync } from "node:fs"; export const x = readFileSync;',
          loader: "ts",
          resolveDir: SRC,
        },
        bundle: true,
        write: false,
        platform: "neutral",
        logLevel: "silent",
      }),
    ).rejects.toThrow();
  });

  it("uses no timers, process, Buffer or other host globals in its source", () => {
    const forbidden =
      /\b(setTimeout|setInterval|setImmediate|process\.|Buffer\.|require\(|__dirname|globalThis\.)/;
    const offenders = sourceFiles(SRC).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, i) => ({ file, line: i + 1, text: line }))
        .filter(
          ({ text }) =>
            !text.trim().startsWith("*") && !text.trim().startsWith("//") && forbidden.test(text),
        ),
    );
    expect(offenders).toEqual([]);
  });
});

describe("in-memory entry", () => {
  it("does not load vitest", async () => {
    const result = await build({
      entryPoints: [join(SRC, "in-memory.ts")],
      bundle: true,
      write: false,
      platform: "neutral",
      format: "esm",
      external: ["zod", "vitest"],
      logLevel: "silent",
      metafile: true,
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) =>
      o.imports.map((i) => i.path),
    );
    expect(imports).not.toContain("vitest");
  });
});
