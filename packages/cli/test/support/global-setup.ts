/**
 * Bundles `src/bin.ts` once for the whole test run (dependencies stay external and load from
 * node_modules, as they do for the published CLI) and hands its path to the tests.
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
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `ratchet-${process.pid}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, "..", "..", "src", "bin.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "silent",
  });
  project.provide("cliBin", outfile);
  return () => rmSync(outfile, { force: true });
}
