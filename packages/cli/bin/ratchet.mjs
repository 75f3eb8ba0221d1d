#!/usr/bin/env node
/**
 * The `ratchet` executable (the `bin` of @ratchet/cli): runs the built CLI, `dist/bin.js`.
 *
 * An installed package always has `dist/`. A checkout of the repository does not until it is
 * built, and `npm ci` links this file as `node_modules/.bin/ratchet` before anything is built;
 * so when `dist/bin.js` is missing inside the repository, this builds the CLI and the packages
 * it depends on first (saying so on stderr, which keeps stdout clean for `--json`), then runs
 * it. Anywhere else a missing `dist/` means a broken install, and it says how to repair it.
 * Plain Node, no dependencies.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(packageDir, "dist", "bin.js");
const repoRoot = join(packageDir, "..", "..");
const inRepository =
  existsSync(join(packageDir, "src", "bin.ts")) && existsSync(join(repoRoot, "turbo.json"));

if (!existsSync(built)) {
  if (!inRepository) {
    console.error(
      `ratchet: ${built} is missing: this installation of @ratchet/cli is incomplete.\n` +
        "Reinstall it: npm install @ratchet/cli",
    );
    process.exit(1);
  }
  const command = [
    "turbo",
    "run",
    "build",
    "--filter=@ratchet/cli...",
    "--output-logs=errors-only",
  ];
  console.error(
    `[ratchet] packages/cli/dist/bin.js is missing (the CLI is not built yet in this checkout): running npx ${command.join(" ")} …`,
  );
  // On Windows npx is a .cmd script, which Node starts only through a shell.
  const windows = process.platform === "win32";
  const result = spawnSync(windows ? "npx.cmd" : "npx", ["--no-install", ...command], {
    cwd: repoRoot,
    stdio: ["ignore", process.stderr, process.stderr],
    shell: windows,
  });
  if (result.status !== 0 || !existsSync(built)) {
    console.error(
      `[ratchet] building the CLI failed (exit ${result.status ?? result.signal ?? result.error?.message}); see the output above.\n` +
        "From the repository root, run: npm install && npx turbo run build --filter=@ratchet/cli...",
    );
    process.exit(result.status || 1);
  }
  console.error("[ratchet] built; running it");
}

await import(pathToFileURL(built).href);
