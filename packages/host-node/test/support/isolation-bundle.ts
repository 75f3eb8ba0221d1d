/**
 * The files an isolated stage's child loads in the tests: the runner's child entry and the
 * workflow module, each bundled once per test process with esbuild (dependencies external), as
 * `dist/isolated-child.js` and a user's built workflow module would be.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const HERE = import.meta.dirname;
const OUT_DIR = join(HERE, "..", "..", ".tmp");
let bundled: Promise<{ childEntry: string; module: string }> | undefined;

/** Bundles `entry` to `.tmp/<name>-<pid>.mjs` (dependencies external); returns the file. */
export async function bundle(entry: string, name: string): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

/** The bundled child entry and isolation workflow module (file paths and URL), built once. */
export function isolationFiles(): Promise<{
  childEntry: string;
  module: string;
  moduleUrl: string;
}> {
  bundled ??= (async () => {
    const [childEntry, module] = await Promise.all([
      bundle(join(HERE, "..", "..", "src", "isolation", "child-entry.ts"), "isolated-child"),
      bundle(join(HERE, "isolated-workload.ts"), "isolated-workload"),
    ]);
    return { childEntry, module };
  })();
  return bundled.then((b) => ({ ...b, moduleUrl: pathToFileURL(b.module).href }));
}
