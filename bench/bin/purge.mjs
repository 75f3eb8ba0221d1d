#!/usr/bin/env node
/**
 * `npm run purge -w @ratchet/bench [-- --runs 100000 --batch 500 --baseline-s 30]`: bundles
 * src/purge.ts (the purge benchmark, see its comment) with esbuild — dependencies stay external —
 * and runs it. Build the packages first: `npx turbo run build --filter=@ratchet/bench^...`.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const BENCH = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(BENCH, ".tmp", "dist");

await build({
  entryPoints: { purge: join(BENCH, "src", "purge.ts") },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
await import(pathToFileURL(join(OUT, "purge.mjs")).href);
