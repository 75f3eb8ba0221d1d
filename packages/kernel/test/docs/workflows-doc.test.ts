/**
 * docs/workflows.md promises runnable examples: every `ts` block in it is run here as its own
 * module (imports of `@ratchet/kernel` pointed at this package's source), and what it prints
 * with `console.log` must be exactly its `// → …` lines, in order. An example that drifts
 * from the API, or from what the engine does, fails this test.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const DOC = resolve(here, "../../../../docs/workflows.md");
const SRC = resolve(here, "../../src");
// Outside src/ and test/, so a typecheck running meanwhile never sees the generated files.
const OUT = resolve(here, "../../.doc-examples/run");

interface Example {
  line: number;
  heading: string;
  code: string;
  expected: string[];
}

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const lines = markdown.split("\n");
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    if (text.startsWith("#")) heading = text.replace(/^#+\s*/, "");
    if (text.trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && (lines[end] as string).trim() !== "```") end++;
    const code = lines.slice(start, end).join("\n");
    const expected = lines
      .slice(start, end)
      .map((l) => /^\/\/ → (.*)$/.exec(l.trim())?.[1])
      .filter((l): l is string => l !== undefined);
    found.push({ line: start, heading, code, expected });
    i = end;
  }
  return found;
}

function printed(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
}

const all = examples(readFileSync(DOC, "utf8"));

describe("docs/workflows.md examples", () => {
  mkdirSync(OUT, { recursive: true });
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it("has examples, each printing what it says it prints", () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const example of all) expect(example.expected.length).toBeGreaterThan(0);
  });

  for (const [n, example] of all.entries()) {
    it(`example ${n + 1} (${example.heading}, line ${example.line})`, async () => {
      const code = example.code
        .replaceAll(
          'from "@ratchet/kernel/testing"',
          `from ${JSON.stringify(join(SRC, "testing/index.ts"))}`,
        )
        .replaceAll('from "@ratchet/kernel"', `from ${JSON.stringify(join(SRC, "index.ts"))}`);
      const file = join(OUT, `example-${n + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      const lines: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
        lines.push(printed(args));
      });
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        spy.mockRestore();
      }
      expect(lines).toEqual(example.expected);
      // The first example also pays for loading the kernel's source.
    }, 60_000);
  }
});
