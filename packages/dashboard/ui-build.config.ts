/**
 * Builds the dashboard's browser UI (src/ui, Preact + TSX) into dist/ui: one minified ES
 * module, its stylesheet and index.html. Used by tsup's onSuccess and by the tests' global
 * setup, so a test run never serves a stale bundle.
 */
import { copyFileSync, mkdirSync } from "node:fs";
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
}
