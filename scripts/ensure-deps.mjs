#!/usr/bin/env node
/**
 * Makes `npm run demo` and `npm test` work from a fresh clone: installs exactly what the lock
 * file says (`npm ci`) when nothing is installed yet, or when `package-lock.json` changed since
 * the last install. Otherwise it returns at once. Plain Node, no dependencies (it runs before
 * there are any).
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lockFile = join(root, "package-lock.json");
// npm writes this file at the end of every install: its age is the install's.
const installed = join(root, "node_modules", ".package-lock.json");

function reason() {
  if (!existsSync(installed)) return "no dependencies are installed yet";
  if (statSync(lockFile).mtimeMs > statSync(installed).mtimeMs)
    return "package-lock.json changed since the last install";
  return undefined;
}

const why = reason();
if (why !== undefined) {
  console.log(`[ratchet] ${why}: running npm ci (a minute or two, once)…`);
  // On Windows npm is a .cmd script, which Node starts only through a shell.
  const windows = process.platform === "win32";
  const result = spawnSync(windows ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
    shell: windows,
  });
  if (result.status !== 0) {
    console.error(
      `[ratchet] npm ci failed (exit ${result.status ?? result.signal}); see its output above`,
    );
    process.exit(result.status ?? 1);
  }
}
