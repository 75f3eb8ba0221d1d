/**
 * Bundles `src/bin.ts` once for the whole test run (dependencies stay external and load from
 * node_modules, as they do for the published CLI) and hands its path to the tests. Like the
 * published build (tsup), the bundle is split: each command's handler is a chunk of its own,
 * loaded when the command runs, so the tests see the CLI start as users do.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The bundled CLI, run with `node`. */
    cliBin: string;
  }
}

const OUT_DIR = join(import.meta.dirname, "..", "..", ".tmp");

/** Builds the CLI bundle; removes it afterwards. */
export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = join(OUT_DIR, `ratchet-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { bin: join(import.meta.dirname, "..", "..", "src", "bin.ts") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outdir,
    outExtension: { ".js": ".mjs" },
    logLevel: "silent",
  });
  project.provide("cliBin", join(outdir, "bin.mjs"));
  return () => rmSync(outdir, { recursive: true, force: true });
}
