#!/usr/bin/env node
/**
 * Makes `npm run demo` and `npm test` work from a fresh clone: installs exactly what the lock
 * file says (`npm ci`) when nothing is installed yet, or when `package-lock.json` changed since
 * the last install. Otherwise it returns at once. While npm works (a minute or two, silent for
 * long stretches) it prints a heartbeat every few seconds: the time elapsed, how many packages
 * are in node_modules so far, and what npm is doing (downloading and unpacking, or compiling
 * better-sqlite3, a native module). Plain Node, no dependencies (it runs before there are any).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lockFile = join(root, "package-lock.json");
const modules = join(root, "node_modules");
// npm writes this file at the end of every install: its age is the install's.
const installed = join(modules, ".package-lock.json");
const heartbeatMs = Number(process.env.RATCHET_HEARTBEAT_MS ?? 5_000);

function reason() {
  if (!existsSync(installed)) return "no dependencies are installed yet";
  if (statSync(lockFile).mtimeMs > statSync(installed).mtimeMs)
    return "package-lock.json changed since the last install";
  return undefined;
}

/** How many packages are in node_modules (a scope's packages counted one by one). */
function packagesInstalled() {
  try {
    let count = 0;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue;
      count += entry.startsWith("@") ? readdirSync(join(modules, entry)).length : 1;
    }
    return count;
  } catch {
    return 0;
  }
}

/** What npm is doing now, as far as node_modules tells. */
function phase() {
  const sqlite = join(modules, "better-sqlite3");
  if (existsSync(sqlite) && !existsSync(join(sqlite, "build", "Release", "better_sqlite3.node")))
    return "compiling better-sqlite3 (a native module) may take a minute";
  return "downloading and unpacking";
}

function seconds(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

const why = reason();
if (why !== undefined) {
  const args = ["ci", "--no-audit", "--no-fund"];
  console.log(`[ratchet] ${why}: running npm ${args.join(" ")} (a minute or two, once)…`);
  console.log(
    `[ratchet] installing dependencies; a progress line every ${seconds(heartbeatMs)} (npm itself is quiet until the end)`,
  );
  const started = Date.now();
  // On Windows npm is a .cmd script, which Node starts only through a shell.
  const windows = process.platform === "win32";
  const child = spawn(windows ? "npm.cmd" : "npm", args, {
    cwd: root,
    stdio: "inherit",
    shell: windows,
  });
  const heartbeat = setInterval(() => {
    console.log(
      `[ratchet] npm ci: ${seconds(Date.now() - started)} elapsed, ${packagesInstalled()} packages in node_modules; ${phase()}`,
    );
  }, heartbeatMs);
  const [code, signal] = await new Promise((resolve) => {
    child.on("error", (error) => resolve([null, error.message]));
    child.on("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  clearInterval(heartbeat);
  if (code !== 0) {
    console.error(`[ratchet] npm ci failed (exit ${code ?? signal}); see its output above`);
    process.exit(code ?? 1);
  }
  console.log(
    `[ratchet] dependencies installed in ${seconds(Date.now() - started)} (${packagesInstalled()} packages)`,
  );
}
