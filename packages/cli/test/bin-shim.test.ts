/**
 * The `ratchet` bin is `bin/ratchet.mjs`, a committed shim that runs `dist/bin.js`: after
 * `npm ci` in a checkout (nothing built yet) it builds the CLI first; in an installed package
 * `dist/` is there; a package without it is reported as a broken install. Each case runs the
 * real shim in a scratch layout, with a stand-in `dist/bin.js` and a stand-in `npx` on the PATH.
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
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SHIM = join(import.meta.dirname, "..", "bin", "ratchet.mjs");

/** A stand-in for the built CLI: prints its arguments, exits with 7. */
const STUB_CLI = `console.log("stub cli: " + JSON.stringify(process.argv.slice(2))); process.exitCode = 7;\n`;

let root: string;
let packageDir: string;
let calls: string;

function layout(options: { repository: boolean; built: boolean }): void {
  mkdirSync(join(packageDir, "bin"), { recursive: true });
  copyFileSync(SHIM, join(packageDir, "bin", "ratchet.mjs"));
  if (options.repository) {
    writeFileSync(join(root, "turbo.json"), "{}");
    mkdirSync(join(packageDir, "src"));
    writeFileSync(join(packageDir, "src", "bin.ts"), "");
  }
  if (options.built) {
    mkdirSync(join(packageDir, "dist"));
    writeFileSync(join(packageDir, "dist", "bin.js"), STUB_CLI);
  }
  // A fake `npx`: records its arguments and working directory, then "builds" dist/bin.js
  // (or fails with FAKE_NPX_EXIT).
  const npx = join(root, "fake-bin", "npx");
  mkdirSync(join(root, "fake-bin"));
  writeFileSync(
    npx,
    `#!/bin/sh
echo "$(pwd) $@" >> "${calls}"
[ -n "$FAKE_NPX_EXIT" ] && { echo "turbo: boom" >&2; exit "$FAKE_NPX_EXIT"; }
mkdir -p packages/cli/dist && cat > packages/cli/dist/bin.js <<'STUB'
${STUB_CLI}STUB
`,
  );
  chmodSync(npx, 0o755);
}

function ratchet(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(packageDir, "bin", "ratchet.mjs"), ...args], {
    cwd: tmpdir(),
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(root, "fake-bin")}:${process.env.PATH ?? ""}`, ...env },
  });
  const npxCalls = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, npxCalls };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ratchet-bin-shim-"));
  packageDir = join(root, "packages", "cli");
  calls = join(root, "npx-calls.txt");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("bin/ratchet.mjs", () => {
  it("runs dist/bin.js with the arguments and its exit code when it is built", () => {
    layout({ repository: true, built: true });
    const result = ratchet(["run", "greet", "--json"]);
    expect(result.stdout).toBe('stub cli: ["run","greet","--json"]\n');
    expect(result.status).toBe(7);
    expect(result.stderr).toBe("");
    expect(result.npxCalls).toEqual([]);
  });

  it("in a checkout without dist/, builds the CLI with turbo from the repository root, says so on stderr, then runs it", () => {
    layout({ repository: true, built: false });
    const result = ratchet(["--version"]);
    expect(result.npxCalls).toEqual([
      `${root} --no-install turbo run build --filter=@ratchet/cli... --output-logs=errors-only`,
    ]);
    expect(result.stderr).toContain(
      "[ratchet] packages/cli/dist/bin.js is missing (the CLI is not built yet in this checkout): running npx turbo run build --filter=@ratchet/cli...",
    );
    expect(result.stdout).toBe('stub cli: ["--version"]\n');
    expect(result.status).toBe(7);
    // Built once: the next call runs it directly.
    expect(ratchet(["--help"]).npxCalls).toHaveLength(1);
  });

  it("when that build fails, exits with its code and says how to build by hand", () => {
    layout({ repository: true, built: false });
    const result = ratchet(["--version"], { FAKE_NPX_EXIT: "3" });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("turbo: boom");
    expect(result.stderr).toContain("[ratchet] building the CLI failed (exit 3)");
    expect(result.stderr).toContain("npm install && npx turbo run build --filter=@ratchet/cli...");
  });

  it("in an installed package without dist/, reports a broken install instead of building", () => {
    layout({ repository: false, built: false });
    const result = ratchet(["--version"]);
    expect(result.status).toBe(1);
    expect(result.npxCalls).toEqual([]);
    expect(result.stderr).toContain("this installation of @ratchet/cli is incomplete");
    expect(result.stderr).toContain("npm install @ratchet/cli");
  });
});
