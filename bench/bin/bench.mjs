#!/usr/bin/env node
/**
 * `npm run bench [-- --full]`: bundles the harness and the child entry with esbuild (the
 * dependencies stay external and load from node_modules), then runs the harness.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const BENCH = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(BENCH, ".tmp", "dist");

await build({
  entryPoints: { run: join(BENCH, "src", "run.ts"), child: join(BENCH, "src", "child.ts") },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
await import(pathToFileURL(join(OUT, "run.mjs")).href);
