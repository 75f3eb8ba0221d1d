#!/usr/bin/env node
/**
 * Completes package-lock.json with entries for platform-specific optional packages the
 * registry mirror here does not serve (e.g. @esbuild/darwin-arm64), so `npm ci` accepts the
 * lock file. Each added entry carries the `os`/`cpu` read from its name, so npm skips it on
 * every other platform and never tries to fetch it here. Run after `npm install` changes the
 * lock: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const OS = {
  darwin: "darwin",
  macos: "darwin",
  win32: "win32",
  windows: "win32",
  linux: "linux",
  android: "android",
  freebsd: "freebsd",
  openbsd: "openbsd",
  netbsd: "netbsd",
  sunos: "sunos",
  aix: "aix",
  openharmony: "openharmony",
};
const CPU = {
  64: "x64",
  arm64: "arm64",
  aarch64: "arm64",
  x64: "x64",
  ia32: "ia32",
  arm: "arm",
  armeabi: "arm",
  eabi: "arm",
  ppc64: "ppc64",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64el",
  wasm32: "wasm32",
};

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.map((p) => OS[p]).find(Boolean);
  const cpu = parts.map((p) => CPU[p]).find(Boolean);
  return os ? { os, cpu } : undefined;
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === "" ? "node_modules" : `${key}/node_modules`;
    if (lock.packages[`${base}/${dep}`] || lock.packages[`node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    const version = String(range).replace(/^[\^~=]/, "");
    lock.packages[`node_modules/${dep}`] = {
      version,
      ...(platform.cpu ? { cpu: [platform.cpu] } : {}),
      dev: entry.dev,
      optional: true,
      os: [platform.os],
    };
    if (lock.packages[`node_modules/${dep}`].dev === undefined)
      delete lock.packages[`node_modules/${dep}`].dev;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a.localeCompare(b),
  ),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform-specific optional entries`);
