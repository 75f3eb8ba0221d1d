/**
 * The README's quick start is `npm run demo` then `npm test` on a fresh clone; both run
 * `scripts/ensure-deps.mjs` first, which installs the dependencies when they are missing or
 * older than the lock file. Here the script runs in a scratch copy of the repository layout,
 * with a stand-in `npm` on the PATH that records its arguments and "installs".
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "../../../scripts/ensure-deps.mjs");

let root: string;
let calls: string;

/** A fake `npm`: appends its arguments to `calls`, then installs (or fails with `FAKE_NPM_EXIT`). */
function fakeNpm(bin: string): void {
  const path = join(bin, "npm");
  writeFileSync(
    path,
    `#!/bin/sh
echo "$@" >> "${calls}"
[ -n "$FAKE_NPM_EXIT" ] && exit "$FAKE_NPM_EXIT"
mkdir -p node_modules/zod node_modules/@prisma/client node_modules/better-sqlite3
[ -n "$FAKE_NPM_SLEEP" ] && sleep "$FAKE_NPM_SLEEP"
echo '{}' > node_modules/.package-lock.json
`,
  );
  chmodSync(path, 0o755);
}

function ensure(env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(root, "scripts", "ensure-deps.mjs")], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(root, "bin")}:${process.env.PATH ?? ""}`, ...env },
  });
  const npmCalls = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, npmCalls };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ratchet-ensure-deps-"));
  calls = join(root, "npm-calls.txt");
  mkdirSync(join(root, "scripts"));
  mkdirSync(join(root, "bin"));
  copyFileSync(SCRIPT, join(root, "scripts", "ensure-deps.mjs"));
  writeFileSync(join(root, "package-lock.json"), "{}");
  fakeNpm(join(root, "bin"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("scripts/ensure-deps.mjs", () => {
  it("runs npm ci on a fresh clone, then nothing while the install is current", () => {
    const first = ensure();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("no dependencies are installed yet: running npm ci");
    expect(first.npmCalls).toEqual(["ci --no-audit --no-fund"]);

    const second = ensure();
    expect(second.status).toBe(0);
    expect(second.stdout).toBe("");
    expect(second.npmCalls).toHaveLength(1);
  });

  it("reinstalls when package-lock.json is newer than the last install", () => {
    ensure();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "package-lock.json"), later, later);
    const again = ensure();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("package-lock.json changed since the last install");
    expect(again.npmCalls).toEqual(["ci --no-audit --no-fund", "ci --no-audit --no-fund"]);
  });

  it("prints a heartbeat while npm ci works: time elapsed, packages so far, what npm does", () => {
    const result = ensure({ FAKE_NPM_SLEEP: "1.2", RATCHET_HEARTBEAT_MS: "250" });
    expect(result.status).toBe(0);
    const beats = result.stdout.split("\n").filter((line) => line.startsWith("[ratchet] npm ci: "));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatch(
      /^\[ratchet\] npm ci: \d+ s elapsed, 3 packages in node_modules; compiling better-sqlite3/,
    );
    expect(result.stdout).toContain("[ratchet] installing dependencies; a progress line every");
    expect(result.stdout).toMatch(/\[ratchet\] dependencies installed in \d+ s \(3 packages\)\n$/);
  });

  it("fails with npm's exit code and says so when the install fails", () => {
    const failed = ensure({ FAKE_NPM_EXIT: "3" });
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain("npm ci failed (exit 3)");
  });
});
