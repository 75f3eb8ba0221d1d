/**
 * `ratchet` starts light: parsing and help load the command definitions only; a command's
 * handler — with the dashboard, the host and the demo behind it — loads only when that command
 * runs, and @ratchet/prisma only when it opens the database. Each case spawns the bundled CLI
 * with a loader hook that logs every module it resolves (`fixtures/module-log.mjs`); a control
 * case checks that the log does see @ratchet/prisma when a command opens the database.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { childEnv } from "./support/cli.js";

const MODULE_LOG = join(import.meta.dirname, "fixtures", "module-log.mjs");

/**
 * Packages only a command's handler may load: realpaths in this repository
 * (`packages/prisma/…`, `apps/demo/…`) and installed ones (`node_modules/@ratchet/prisma/…`),
 * and every `@prisma/*` package.
 */
const HANDLER_ONLY =
  /\/(?:packages|apps|@ratchet)\/(?:prisma|dashboard|host-node|demo)\/|\/@prisma\/|\/better-sqlite3\/|\/node_modules\/pg\//;

const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let logs = 0;

/** Runs `ratchet <args>`; resolves to its exit code and the URLs of the modules it resolved. */
function modulesOf(args: readonly string[]): { code: number | null; urls: string[] } {
  const log = join(dir, `modules-${++logs}.log`);
  const result = spawnSync(process.execPath, ["--import", MODULE_LOG, inject("cliBin"), ...args], {
    cwd: dir,
    env: childEnv({ MODULE_LOG: log }),
    encoding: "utf8",
    timeout: 30_000,
  });
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  return { code: result.status, urls };
}

describe("startup", () => {
  it.each([
    [["--help"]],
    [["--version"]],
    [["runs", "--help"]],
    [["dashboard", "--help"]],
    [["schedules", "create", "--help"]],
    [["no-such-command"]],
    // Usage errors a handler finds before it opens the database.
    [["signal"]],
    [["runs", "--limit", "0"]],
  ])(
    "ratchet %j loads no handler's stack (no @ratchet/prisma, @prisma/*, dashboard, host, demo)",
    (args) => {
      const { urls } = modulesOf(args);
      expect(urls.length).toBeGreaterThan(0);
      expect(urls.filter((url) => HANDLER_ONLY.test(url))).toEqual([]);
    },
  );

  it("a command that opens the database does load @ratchet/prisma (the log sees it)", () => {
    const { code, urls } = modulesOf(["runs", "--database-url", join(dir, "control.db")]);
    expect(code).toBe(0);
    expect(urls.some((url) => /\/(?:packages|@ratchet)\/prisma\//.test(url))).toBe(true);
  });
});
