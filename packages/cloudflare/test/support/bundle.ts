/**
 * Bundles a test fixture Worker (which imports this package's src) the way a Worker is
 * shipped: one neutral ES module, every dependency inlined, and any Node built-in an error —
 * so a test proves the code runs in workerd without `nodejs_compat`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const builtins = new Set(builtinModules);

/** Fails the bundle on any Node built-in. */
const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (!args.path.startsWith("node:") && !builtins.has(name.split("/")[0] ?? "")) return;
      return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
    });
  },
};

/** A bundled Worker: its file, its directory (Miniflare's `modulesRoot`) and a cleanup. */
export interface BundledWorker {
  scriptPath: string;
  modulesRoot: string;
  remove(): void;
}

/** Bundles `test/fixtures/<fixture>` into a temporary directory. */
export async function bundleFixture(fixture: string): Promise<BundledWorker> {
  const dir = mkdtempSync(join(tmpdir(), "ratchet-cloudflare-worker-"));
  const scriptPath = join(dir, "worker.js");
  await build({
    entryPoints: [join(import.meta.dirname, "..", "fixtures", fixture)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2022",
    outfile: scriptPath,
    plugins: [noNodeBuiltins],
    logLevel: "silent",
  });
  return {
    scriptPath,
    modulesRoot: dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
