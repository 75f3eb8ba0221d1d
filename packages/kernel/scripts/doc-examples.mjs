#!/usr/bin/env node
/**
 * Writes every `ts` block of docs/workflows.md to .doc-examples/typecheck/ (imports of
 * `@ratchet/kernel` pointed at this package's source), with a tsconfig, so `npm run typecheck`
 * compiles the documented examples under the repo's strict settings. Running them is
 * test/docs/workflows-doc.test.ts's job.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const doc = resolve(root, "../../docs/workflows.md");
const out = join(root, ".doc-examples", "typecheck");
const blocks = [...readFileSync(doc, "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (m) => m[1],
);
if (blocks.length === 0) throw new Error(`[ratchet] no ts examples found in ${doc}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
blocks.forEach((code, i) => {
  const source = code
    .replaceAll('from "@ratchet/kernel/testing"', 'from "../../src/testing/index.js"')
    .replaceAll('from "@ratchet/kernel"', 'from "../../src/index.js"');
  writeFileSync(join(out, `example-${i + 1}.ts`), `${source}\nexport {};\n`);
});
writeFileSync(
  join(out, "tsconfig.json"),
  `${JSON.stringify(
    {
      extends: "../../../../tsconfig.base.json",
      compilerOptions: { rootDir: "../..", types: ["node"], noEmit: true },
      include: ["*.ts"],
    },
    null,
    2,
  )}\n`,
);
console.log(`[ratchet] wrote ${blocks.length} examples of docs/workflows.md for the typecheck`);
