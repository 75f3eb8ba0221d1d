/**
 * docs/retention.md's runnable example (the last `ts` block, under "A runnable example") is run
 * here as a module (imports of `@ratchet/kernel` pointed at this package's source); what it
 * prints must be exactly its `// → …` lines.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const DOC = resolve(here, "../../../../docs/retention.md");
const SRC = resolve(here, "../../src");
const OUT = resolve(here, "../../.doc-examples/retention");

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

it("docs/retention.md: the runnable example prints what it says", async () => {
  const markdown = readFileSync(DOC, "utf8");
  const section = markdown.slice(markdown.indexOf("## A runnable example"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const expected = code
    .split("\n")
    .map((l) => /^\/\/ → (.*)$/.exec(l.trim())?.[1])
    .filter((l): l is string => l !== undefined);
  expect(expected.length).toBeGreaterThan(0);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, "example.ts");
  writeFileSync(
    file,
    `${code
      .replaceAll(
        'from "@ratchet/kernel/testing"',
        `from ${JSON.stringify(join(SRC, "testing/index.ts"))}`,
      )
      .replaceAll(
        'from "@ratchet/kernel"',
        `from ${JSON.stringify(join(SRC, "index.ts"))}`,
      )}\nexport {};\n`,
  );
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toEqual(expected);
}, 60_000);
