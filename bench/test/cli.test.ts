/**
 * `npm run bench`'s options: `--help` prints the usage and runs nothing; a wrong option or name
 * ends with the reason and the usage (exit code 2) instead of a stack trace.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BENCH = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "bench.mjs");
const bench = (...args: string[]) =>
  spawnSync(process.execPath, [BENCH, ...args], { encoding: "utf8", timeout: 60_000 });

describe("npm run bench options", () => {
  it("--help prints the usage with every option and exits 0", () => {
    const result = bench("--help");
    expect(result.status).toBe(0);
    for (const option of ["--full", "--reps", "--systems", "--workloads", "--out", "--report"])
      expect(result.stdout).toContain(option);
    expect(result.stdout).toContain("ratchet-postgres");
    expect(result.stdout).toContain("ratchet-memory");
  });

  it("an unknown option, system or workload, or a bad --reps, exits 2 with the reason", () => {
    for (const [args, reason] of [
      [["--bogus"], "Unknown option '--bogus'"],
      [["--systems", "nope"], "unknown system nope"],
      [["--workloads", "w9"], "unknown workload w9"],
      [["--reps", "0"], "--reps must be a positive integer"],
    ] as const) {
      const result = bench(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(reason);
      expect(result.stderr).toContain("Usage: npm run bench");
      expect(result.stderr).not.toContain("    at ");
    }
  });
});
