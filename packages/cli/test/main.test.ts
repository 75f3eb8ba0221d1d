/** `main()` in process, on fake streams: help, version, usage errors, and errors as JSON. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ExitCode } from "../src/cli/exit-codes.js";
import { main, VERSION } from "../src/main.js";
import { fakeIo } from "./support/fake-stream.js";

const dir = mkdtempSync(join(tmpdir(), "ratchet-cli-main-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = fakeIo({ cwd: dir, env });
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe("main", () => {
  it("lists every command with --help (exit 0)", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(ExitCode.OK);
    for (const name of ["demo", "worker", "run", "status", "runs", "migrate"])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(stdout).toContain("--database-url <url>");
  });

  it("shows a command's options and examples with `<command> --help` and `help <command>`", async () => {
    const viaFlag = await run(["run", "--help"]);
    const viaHelp = await run(["help", "run"]);
    expect(viaFlag).toEqual(viaHelp);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).toContain("Usage: ratchet run <workflowId> [options]");
    for (const option of [
      "--input <json>",
      "--wait",
      "--idempotency-key <key>",
      "--priority <n>",
      "--workflows <module>",
    ])
      expect(viaFlag.stdout).toContain(option);
  });

  it("prints the version", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("prints usage on stderr with exit 2 when no command is given", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(ExitCode.USAGE);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage: ratchet <command>");
  });

  it("reports an unknown command and an unknown option with exit 2", async () => {
    const command = await run(["deploy"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('error [USAGE]: unknown command "deploy"');
    const option = await run(["runs", "--colour"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('error [USAGE]: unknown option --colour for "ratchet runs"');
  });

  it("rejects input that is not JSON before touching the database (exit 2)", async () => {
    const { code, stderr } = await run(["run", "document-pipeline", "--input", "{nope"]);
    expect(code).toBe(2);
    expect(stderr).toContain("error [USAGE]: --input is not valid JSON");
    expect(stderr).toContain("(field: --input)");
  });

  it("writes errors as one JSON object with --json", async () => {
    const { code, stderr } = await run(["run", "document-pipeline", "--input", "{nope", "--json"]);
    expect(code).toBe(2);
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: "USAGE", field: "--input" } });
  });

  it("reports an unknown run as RUN_NOT_FOUND (exit 1) on the default SQLite file", async () => {
    const { code, stderr } = await run(["status", "no-such-run"]);
    expect(code).toBe(ExitCode.FAILURE);
    expect(stderr).toBe(
      'error [RUN_NOT_FOUND]: run "no-such-run" does not exist (run: no-such-run)\n',
    );
  });

  it("uses RATCHET_DATABASE_URL when --database-url is absent", async () => {
    const { code, stderr } = await run(["runs"], {
      RATCHET_DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nothing",
    });
    expect(code).toBe(ExitCode.DATABASE_UNREACHABLE);
    expect(stderr).toContain(
      "error [DATABASE_UNREACHABLE]: cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:1/nothing",
    );
    expect(stderr).toContain("hint: ");
  });
});
