/**
 * Builds the dashboard's browser UI (src/ui, Preact + TSX) into dist/ui: one minified ES
 * module, its stylesheet, index.html and Mermaid's browser bundle (vendor/mermaid.min.js). Used by tsup's onSuccess and by the tests' global
 * setup, so a test run never serves a stale bundle.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));

/** Where the UI bundle is written. */
export const UI_OUT_DIR = join(root, "dist", "ui");

/** Bundles src/ui into {@link UI_OUT_DIR}. */
export async function buildUi(outDir: string = UI_OUT_DIR): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, "src/ui/main.tsx")],
    outfile: join(outDir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "warning",
  });
  copyFileSync(join(root, "src/ui/index.html"), join(outDir, "index.html"));
  copyFileSync(join(root, "src/ui/styles.css"), join(outDir, "styles.css"));
  // Mermaid's browser bundle ships inside dist: the package itself is only needed to build
  // (it declares Node >= 22, which installs of the dashboard on Node 20 should not inherit).
  mkdirSync(join(outDir, "vendor"), { recursive: true });
  copyFileSync(
    createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js"),
    join(outDir, "vendor", "mermaid.min.js"),
  );
}
