/**
 * The built CLI as a real child process on a temporary SQLite file: help, usage errors,
 * migrate → run --wait → status --json → runs --json, input errors, an unreachable database.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSqliteFile } from "@ratchet/prisma/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

const URL_OK = "https://library.example.org/papers/sqlite-wal";

describe("ratchet (child process, SQLite)", () => {
  const db = createSqliteFile("cli");
  // The working directory is inside the package, so a --workflows module resolves packages.
  const cwd = join(import.meta.dirname, "..", ".tmp", `cli-${process.pid}`);
  const cli = (...args: string[]) => runCli([...args, "--database-url", db.url], { cwd });

  beforeAll(() => mkdirSync(cwd, { recursive: true }));
  afterAll(() => {
    db.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("--help exits 0 and lists the commands", async () => {
    const { code, stdout } = await runCli(["--help"], { cwd });
    expect(code).toBe(0);
    for (const name of ["demo", "worker", "run", "status", "runs", "migrate"])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  it("an unknown command exits 2 with a clear message", async () => {
    const { code, stderr } = await runCli(["launch"], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('error [USAGE]: unknown command "launch"');
  });

  it("migrate, run --wait, status --json, runs --json", async () => {
    const migrated = await cli("migrate");
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain("✓ applied 0001_init");
    expect((await cli("migrate")).stdout).toContain("up to date");

    const run = await cli(
      "run",
      "document-pipeline",
      "--input",
      JSON.stringify({ url: URL_OK }),
      "--wait",
      "--idempotency-key",
      "wal-1",
      "--priority",
      "5",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const stage of [
      "fetch",
      "extract-text",
      "extract-metadata",
      "thumbnail",
      "embed",
      "publish",
    ])
      expect(run.stdout).toMatch(new RegExp(`${stage}\\s+✓ completed in`));
    expect(run.stdout).toContain("… suspended, waiting for its async batch");
    expect(run.stdout).toContain("✓ run completed in");
    expect(run.stdout).toContain("title           SQLite in write-ahead-log mode");
    const runId = /run ([0-9a-f-]{36}) started/.exec(run.stdout)?.[1] ?? "";
    expect(runId).not.toBe("");

    const status = await cli("status", runId, "--json");
    expect(status.code).toBe(0);
    const shown = JSON.parse(status.stdout);
    expect(shown.run).toMatchObject({
      id: runId,
      workflowId: "document-pipeline",
      workflowVersion: "1",
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      status: "COMPLETED",
      priority: 5,
      idempotencyKey: "wal-1",
      input: { url: URL_OK },
      output: {
        slug: "sqlite-wal",
        title: "SQLite in write-ahead-log mode",
        path: "/library/sqlite-wal",
      },
      error: null,
    });
    expect(shown.run.durationMs).toBeGreaterThan(1_000);
    expect(shown).not.toHaveProperty("waitingFor");
    expect(
      shown.stages.map((s: { stageId: string; status: string; attempt: number }) => [
        s.stageId,
        s.status,
        s.attempt,
      ]),
    ).toEqual([
      ["fetch", "COMPLETED", 1],
      ["extract-text", "COMPLETED", 1],
      ["extract-metadata", "COMPLETED", 1],
      ["thumbnail", "COMPLETED", 1],
      ["embed", "COMPLETED", 1],
      ["publish", "COMPLETED", 1],
    ]);
    for (const stage of shown.stages) expect(stage.durationMs).toBeGreaterThanOrEqual(0);

    const again = await cli(
      "run",
      "document-pipeline",
      "--input",
      JSON.stringify({ url: URL_OK }),
      "--idempotency-key",
      "wal-1",
      "--priority",
      "5",
      "--json",
    );
    expect(JSON.parse(again.stdout)).toEqual({
      workflowRunId: runId,
      status: "PENDING",
      replayed: true,
    });

    const created = await cli(
      "run",
      "document-pipeline",
      "--input",
      JSON.stringify({ url: URL_OK }),
      "--quiet",
    );
    expect(created.code).toBe(0);
    const pendingId = created.stdout.trim();

    const runs = await cli("runs", "--json");
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout).runs as Array<Record<string, string>>;
    expect(listed.map((r) => [r.id, r.status, r.workflowVersion, r.fingerprint])).toEqual([
      [pendingId, "PENDING", "1", shown.run.fingerprint],
      [runId, "COMPLETED", "1", shown.run.fingerprint],
    ]);
    const completed = JSON.parse((await cli("runs", "--json", "--status", "completed")).stdout);
    expect(completed.runs.map((r: { id: string }) => r.id)).toEqual([runId]);

    const table = await cli("runs", "--no-color");
    expect(table.stdout.split("\n")[0]).toMatch(
      /^RUN\s+WORKFLOW\s+VERSION\s+STATUS\s+CREATED\s+DURATION\s+ERROR$/,
    );
    expect(table.stdout).toMatch(
      new RegExp(`^${pendingId}\\s+document-pipeline\\s+1\\s+PENDING`, "m"),
    );

    const text = await cli("status", runId);
    expect(text.stdout).toMatch(/✓ embed\s+COMPLETED\s+attempt 1/);
    expect(text.stdout).toContain(`version   1 (fingerprint ${shown.run.fingerprint})`);
    expect(text.stdout).not.toContain("waiting for a worker");
    expect(text.stdout).toContain("output");
  });

  it("runs pages with --limit and --cursor; a malformed cursor exits 2", async () => {
    const paging = createSqliteFile("cli-paging");
    try {
      const at = (...args: string[]) => runCli([...args, "--database-url", paging.url], { cwd });
      const create = async () => {
        const input = JSON.stringify({ url: URL_OK });
        const created = await at("run", "document-pipeline", "--input", input, "--quiet");
        expect(created.code).toBe(0);
        return created.stdout.trim();
      };
      const older = await create();
      const newer = await create();

      const firstPage = JSON.parse((await at("runs", "--json", "--limit", "1")).stdout);
      expect(firstPage.runs.map((r: { id: string }) => r.id)).toEqual([newer]);
      expect(typeof firstPage.nextCursor).toBe("string");
      const secondPage = JSON.parse(
        (await at("runs", "--json", "--limit", "1", "--cursor", firstPage.nextCursor)).stdout,
      );
      expect(secondPage.runs.map((r: { id: string }) => r.id)).toEqual([older]);
      expect(secondPage.nextCursor).toBeNull();
      const table = await at("runs", "--no-color", "--limit", "1");
      expect(table.stdout.trimEnd().split("\n").at(-1)).toBe(
        `more: ratchet runs --limit 1 --cursor ${firstPage.nextCursor}`,
      );
      const badCursor = await at("runs", "--cursor", "page-2");
      expect(badCursor.code).toBe(2);
      expect(badCursor.stderr).toContain('error [USAGE]: --cursor is not a run cursor: "page-2"');
    } finally {
      paging.cleanup();
    }
  });

  it("runs a workflow from a --workflows module", async () => {
    writeFileSync(
      join(cwd, "greet.mjs"),
      `import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";
const hello = defineStage({ id: "hello", name: "Hello",
  schemas: { input: z.object({ name: z.string() }), output: z.object({ greeting: z.string() }) },
  execute: (ctx) => ({ greeting: "Hello, " + ctx.input.name }) });
export const workflows = [defineWorkflow({ id: "greet", name: "Greet", input: z.object({ name: z.string() }),
  output: z.object({ greeting: z.string() }) }).pipe(hello).build()];
`,
    );
    const run = await cli(
      "run",
      "greet",
      "--input",
      '{"name":"Ada"}',
      "--wait",
      "--workflows",
      "./greet.mjs",
      "--json",
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).run).toMatchObject({
      status: "COMPLETED",
      output: { greeting: "Hello, Ada" },
    });
  });

  it("input that is not JSON exits 2 and says so", async () => {
    const { code, stderr, stdout } = await cli(
      "run",
      "document-pipeline",
      "--input",
      "{url: nope}",
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error \[USAGE\]: --input is not valid JSON: .+ \(field: --input\)$/m);
    expect(stderr).toContain("hint: Quote the JSON for your shell");
  });

  it("input the workflow rejects exits 1 with INVALID_INPUT and the field", async () => {
    const { code, stderr } = await cli(
      "run",
      "document-pipeline",
      "--input",
      '{"url":"not a url"}',
      "--wait",
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error \[INVALID_INPUT\]: .*input\.url.* \(field: input\.url, workflow: document-pipeline\)$/m,
    );
  });

  it("a run that fails is shown with its error and exits 1", async () => {
    const { code, stdout } = await cli(
      "run",
      "document-pipeline",
      "--input",
      '{"url":"https://library.example.org/missing"}',
      "--wait",
    );
    expect(code).toBe(1);
    expect(stdout).toContain(
      "✗ failed: [DOCUMENT_NOT_FOUND] GET https://library.example.org/missing: 404 Not Found",
    );
    expect(stdout).toMatch(/status\s+FAILED/);
  });

  it("an unknown workflow is WORKFLOW_NOT_FOUND (exit 1)", async () => {
    const { code, stderr } = await cli("run", "nope", "--input", "{}");
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error [WORKFLOW_NOT_FOUND]: workflow "nope" is not registered (workflow: nope)',
    );
  });

  it("an unreachable database exits 3 with a hint", async () => {
    const { code, stderr } = await runCli(
      ["runs", "--database-url", "postgresql://postgres@127.0.0.1:1/postgres"],
      { cwd },
    );
    expect(code).toBe(3);
    expect(stderr).toContain(
      "error [DATABASE_UNREACHABLE]: cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:1/postgres",
    );
    expect(stderr).toContain("hint: Is PostgreSQL running");
  });
});
