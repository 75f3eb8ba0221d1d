/**
 * docs/persistence.md's runnable example of awaiting a run's result (the `ts` block under
 * "Awaiting a run's result") is run here as a module — `@ratchet/host-node` pointed at this
 * package's source, the database file in a temporary directory; what it prints must be
 * exactly its `// → …` lines.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const DOC = resolve(here, "../../../../docs/persistence.md");
const SRC = resolve(here, "../../src");
const OUT = resolve(here, "../../.doc-examples/await");

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

it("docs/persistence.md: the awaitRunResult example prints what it says", async () => {
  const markdown = readFileSync(DOC, "utf8");
  const section = markdown.slice(markdown.indexOf("## Awaiting a run's result"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const expected = code
    .split("\n")
    .map((l) => /^\/\/ → (.*)$/.exec(l.trim())?.[1])
    .filter((l): l is string => l !== undefined);
  expect(expected).toEqual(["n = 42", "RUN_AWAIT_TIMEOUT", "CANCELLED"]);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, "example.ts");
  writeFileSync(
    file,
    `${code
      .replaceAll('from "@ratchet/host-node"', `from ${JSON.stringify(join(SRC, "index.ts"))}`)
      .replaceAll(
        '"./await-example.db"',
        JSON.stringify(join(OUT, "await-example.db")),
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
