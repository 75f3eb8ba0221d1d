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
    for (const name of [
      "demo",
      "worker",
      "run",
      "status",
      "runs",
      "runs migrate",
      "deploy-check",
      "migrate",
    ])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(stdout).toContain("--database-url <url>");
    expect(stdout).toMatch(/^ {2}4 {2}runs need attention/m);
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

  it("documents TIMED_OUT and exit 130 for run and demo, and the SQLite file watch for worker", async () => {
    const global = await run(["--help"]);
    expect(global.stdout).toMatch(/^ {2}1 {2}.*timed out \(TIMED_OUT/m);
    expect(global.stdout).toMatch(/^ {2}130 {2}interrupted/m);
    for (const name of ["run", "demo"]) {
      const { stdout } = await run([name, "--help"]);
      expect(stdout).toMatch(/^Exit codes:\n {2}0 .*\n {2}1 .*TIMED_OUT.*\n {2}130 .*Ctrl-C/m);
    }
    const worker = await run(["worker", "--help"]);
    expect(worker.stdout).toContain("On SQLite a watch on the database file wakes it");
    expect(worker.stdout).not.toContain("cannot wake");
  });

  it("documents runs migrate and deploy-check: options, required ones, exit codes", async () => {
    const runs = await run(["runs", "--help"]);
    expect(runs.stdout).toContain("Usage: ratchet runs [action] [options]");
    expect(runs.stdout).toMatch(/^Actions:\n {2}migrate {2}Move waiting runs/m);
    const migrate = await run(["runs", "migrate", "--help"]);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain("Usage: ratchet runs migrate [options]");
    for (const option of ["--workflow <workflowId>", "--from <version>", "--to <version>"])
      expect(migrate.stdout).toMatch(new RegExp(`${option}.*\\(required\\)`));
    for (const option of ["--dry-run", "--workflows <module>", "--limit <n>"])
      expect(migrate.stdout).toContain(option);
    expect(migrate.stdout).toMatch(
      /^Exit codes:\n {2}0 .*\n {2}2 .*\n {2}4 {2}some runs were refused/m,
    );
    const check = await run(["deploy-check", "--help"]);
    expect(check.stdout).toMatch(/--workflows <module>.*\(required\)/);
    expect(check.stdout).toContain("--verbose");
    expect(check.stdout).toMatch(/^ {2}4 {2}some runs would be stranded/m);
  });

  it("refuses a --to the module does not register, naming the registered versions (exit 2)", async () => {
    const { code, stderr } = await run([
      "runs",
      "migrate",
      "--workflow",
      "document-pipeline",
      "--from",
      "1",
      "--to",
      "9",
    ]);
    expect(code).toBe(ExitCode.USAGE);
    expect(stderr).toContain(
      'error [USAGE]: --to 9: no version 9 of workflow "document-pipeline" in the built-in workflows (field: --to)',
    );
    expect(stderr).toContain('hint: Registered versions of "document-pipeline": 1.');
    const unknown = await run([
      "runs",
      "migrate",
      "--workflow",
      "nope",
      "--from",
      "1",
      "--to",
      "2",
    ]);
    expect(unknown.code).toBe(ExitCode.USAGE);
    expect(unknown.stderr).toContain(
      'error [USAGE]: workflow "nope" is not in the built-in workflows',
    );
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
